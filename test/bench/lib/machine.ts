import os from 'node:os';
import sharp from 'sharp';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryMiB: number;
  loadAverage: number[];
  platform: string;
  node: string;
  sharp: string;
  libvips: string;
}

/** What the figures were measured on; benchmarks only compare within one report. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
  };
}

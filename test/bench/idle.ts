/**
 * Idle footprint and warm restart of the real CLI (`spis serve` in a child process):
 *   1. a library of N small JPEGs (a few distinct sharp-made images with different EXIF
 *      dates, copied under many names and folders: quick to make, real to index);
 *   2. cold start to ready, SIGTERM, then warm restarts to ready (spawn → /probe/ready 200);
 *   3. after the warm start settles, resident memory and CPU with no clients, from /proc.
 * Thumbnail pre-generation is off so "idle" means idle (it is measured by the thumbnail bench).
 *
 * Standalone: `node --import tsx test/bench/idle.ts [--items=20000] [--idle=30] [--restarts=3] [--runtime=tsx]`
 * In `npm run bench` through `runIdleBench` (section "idle").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { nodeCommand } from './lib/child.js';
import { round, summarize } from './lib/stats.js';
import type { Figure, Section, Target } from './lib/types.js';

export interface IdleBenchOptions {
  items?: number;
  /** Seconds of idle measured after the warm start settled. */
  idleSeconds?: number;
  /** Warm restarts measured (median reported). */
  restarts?: number;
  /** Where media and data are made (a temporary folder by default, removed afterwards). */
  workDir?: string;
  repoRoot?: string;
  /** `compiled` (default): the server compiled with tsc, as `npm start` runs it; `tsx`: from source. */
  runtime?: 'compiled' | 'tsx';
  log?: (message: string) => void;
}

export interface IdleBenchResult {
  items: number;
  coldReadyMs: number;
  warmReadyMs: number[];
  /** Of which: spawn → listening. */
  warmListenMs: number[];
  /** The library's own scan time on the warm starts (no process start-up). */
  warmScanMs: number[];
  shutdownMs: number[];
  idle: { seconds: number; cpuPercent: number; rssMiB: { mean: number; max: number; end: number } };
}

const MiB = 2 ** 20;
const here = path.dirname(fileURLToPath(import.meta.url));
const DISTINCT = 24;
const PER_FOLDER = 200;

/** N files: DISTINCT real JPEGs with their own EXIF dates, copied under N names. */
async function makeLibrary(media: string, items: number): Promise<void> {
  const originals: string[] = [];
  const seedDir = path.join(media, '.seed'); // hidden: never indexed
  await mkdir(seedDir, { recursive: true });
  for (let i = 0; i < DISTINCT; i++) {
    const file = path.join(seedDir, `seed-${i}.jpg`);
    const taken = `20${String(10 + (i % 14)).padStart(2, '0')}:${String(1 + (i % 12)).padStart(2, '0')}:15 12:00:00`;
    const image = sharp({ create: { width: 160, height: 120, channels: 3, background: { r: (i * 37) % 256, g: (i * 71) % 256, b: (i * 13) % 256 } } })
      .jpeg({ quality: 70 })
      .withExif({ IFD0: { Make: 'Bench', Model: `Cam ${i}` }, IFD2: { DateTimeOriginal: taken } });
    await writeFile(file, await image.toBuffer());
    originals.push(file);
  }
  for (let start = 0; start < items; start += PER_FOLDER) {
    const folder = path.join(media, `y${2010 + ((start / PER_FOLDER) % 14)}`, `f${start / PER_FOLDER}`);
    await mkdir(folder, { recursive: true });
    const copies = [];
    for (let n = start; n < Math.min(items, start + PER_FOLDER); n++) {
      copies.push(copyFile(originals[n % DISTINCT]!, path.join(folder, `IMG_${String(n).padStart(6, '0')}.jpg`)));
    }
    await Promise.all(copies);
  }
}

interface Served {
  child: ChildProcess;
  url: string;
  /** Spawn → the "listening" log line (process start-up, module loading, createSpis). */
  listenMs: number;
  readyMs: number;
}

/** How to start the CLI: node flags and entry script. */
type Entry = string[];

/** Compiles the server into `outDir` (what `npm run build` makes), so start-up has no tsx cost. */
async function compile(repoRoot: string, outDir: string): Promise<Entry> {
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', outDir], { cwd: repoRoot, stdio: 'ignore' });
  await new Promise<void>((resolve) => child.once('exit', () => resolve())); // type errors elsewhere still emit
  // Laid out like an install: packages and the PWA resolve from beside the compiled code.
  const base = path.dirname(outDir);
  await copyFile(path.join(repoRoot, 'package.json'), path.join(base, 'package.json'));
  for (const name of ['node_modules', 'public', 'config']) await symlink(path.join(repoRoot, name), path.join(base, name)).catch(() => undefined);
  return [path.join(outDir, 'server', 'cli', 'main.js')];
}

/** Spawns `spis serve` and resolves once /probe/ready answers 200. */
async function serve(repoRoot: string, entry: Entry, media: string, data: string): Promise<Served> {
  const started = performance.now();
  const args = [...entry, 'serve', '--media', media, '--data', data, '--port', '0'];
  args.push('--no-pregenerate', '--log-format', 'json', '--log-level', 'info', '--timezone', 'UTC');
  const [command, commandArgs] = nodeCommand(args);
  const child = spawn(command, commandArgs, { cwd: repoRoot, env: { ...process.env, SPIS_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 600_000;
  let url: string | undefined;
  let listenMs = 0;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`spis exited early (${child.exitCode}):\n${output.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error('spis not ready within 10 minutes');
    if (!url) {
      url = /listening on (http:\/\/[^\s"]+)/.exec(output)?.[1];
      if (url) listenMs = performance.now() - started;
    }
    if (url && (await fetch(`${url}/probe/ready`).then((r) => r.status, () => 0)) === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, url, listenMs, readyMs: performance.now() - started };
}

async function stop(child: ChildProcess): Promise<number> {
  const started = performance.now();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
  if (child.exitCode !== 0) throw new Error(`spis exited with ${child.exitCode} on SIGTERM`);
  return performance.now() - started;
}

/** CPU seconds (user + system) and resident bytes of a process, from /proc. */
async function sample(pid: number): Promise<{ cpuS: number; rss: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuS: ticks / 100, rss: rssKiB * 1024 }; // USER_HZ is 100 on Linux
}

async function measureIdle(pid: number, seconds: number): Promise<IdleBenchResult['idle']> {
  const first = await sample(pid);
  const rss: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < seconds; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rss.push((await sample(pid)).rss);
  }
  const last = await sample(pid);
  const elapsed = (performance.now() - t0) / 1000;
  return {
    seconds: round(elapsed),
    cpuPercent: round(((last.cpuS - first.cpuS) / elapsed) * 100, 2),
    rssMiB: { mean: round(rss.reduce((a, b) => a + b, 0) / rss.length / MiB), max: round(Math.max(...rss) / MiB), end: round(last.rss / MiB) },
  };
}

/**
 * The start-up walk's own duration. A warm start is ready (served from the snapshot) before
 * the walk has verified it, so this waits for the walk to finish (bounded).
 */
async function scanMs(url: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const status = (await (await fetch(`${url}/api/status`)).json()) as { scan?: { state?: string; durationMs?: number } };
    if (status.scan?.state === 'watching' && typeof status.scan.durationMs === 'number') return status.scan.durationMs;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return NaN;
}

export async function measureIdleBench(options: IdleBenchOptions = {}): Promise<IdleBenchResult> {
  const { items = 20_000, idleSeconds = 30, restarts = 3, log = () => undefined } = options;
  const repoRoot = options.repoRoot ?? path.resolve(here, '..', '..');
  const work = options.workDir ?? (await mkdtemp(path.join(tmpdir(), 'spis-idle-')));
  const media = path.join(work, 'media');
  const data = path.join(work, 'data');
  try {
    log(`idle: making ${items} JPEGs`);
    await makeLibrary(media, items);
    const entry = options.runtime === 'tsx' ? ['--import', 'tsx', 'server/cli/main.ts'] : await compile(repoRoot, path.join(work, 'dist'));
    log('idle: cold start');
    const cold = await serve(repoRoot, entry, media, data);
    const shutdownMs = [await stop(cold.child)];
    const warmReadyMs: number[] = [];
    const warmListenMs: number[] = [];
    const warmScanMs: number[] = [];
    let idle: IdleBenchResult['idle'] | null = null;
    for (let run = 0; run < restarts; run++) {
      log(`idle: warm restart ${run + 1}/${restarts}`);
      const warm = await serve(repoRoot, entry, media, data);
      warmReadyMs.push(round(warm.readyMs));
      warmListenMs.push(round(warm.listenMs));
      warmScanMs.push(await scanMs(warm.url));
      if (run === restarts - 1) {
        await new Promise((resolve) => setTimeout(resolve, 5000)); // let start-up garbage settle
        log(`idle: measuring ${idleSeconds} s with no clients`);
        idle = await measureIdle(warm.child.pid!, idleSeconds);
      }
      shutdownMs.push(round(await stop(warm.child)));
    }
    return { items, coldReadyMs: round(cold.readyMs), warmReadyMs, warmListenMs, warmScanMs, shutdownMs, idle: idle! };
  } finally {
    if (!options.workDir) await rm(work, { recursive: true, force: true });
  }
}

/** The `npm run bench` section. */
export async function runIdleBench(options: IdleBenchOptions = {}): Promise<Section> {
  const result = await measureIdleBench(options);
  const figure = (name: string, unit: string, values: number[], note?: string): Figure => ({ name, unit, summary: summarize(values), ...(note ? { note } : {}) });
  const figures: Figure[] = [
    figure('cold start to ready (spawn → /probe/ready)', 'ms', [result.coldReadyMs]),
    figure('warm restart to ready (spawn → /probe/ready)', 'ms', result.warmReadyMs, 'includes node start-up and module loading'),
    figure('warm restart: spawn → listening', 'ms', result.warmListenMs, 'node start-up, module loading, createSpis'),
    figure('warm restart: start-up walk until verified (in the background after ready)', 'ms', result.warmScanMs),
    figure('SIGTERM to exit', 'ms', result.shutdownMs),
    figure('idle resident memory (mean)', 'MiB', [result.idle.rssMiB.mean]),
    figure('idle resident memory (max)', 'MiB', [result.idle.rssMiB.max]),
    figure('idle CPU', '% of one core', [result.idle.cpuPercent], `over ${result.idle.seconds} s, no clients`),
  ];
  const targets: Target[] = [
    {
      target: 'Resident memory with 20k items ≤ 90 MiB idle (the CLI, watcher on)',
      met: result.items === 20_000 ? result.idle.rssMiB.mean <= 90 : null,
      measured: `${result.items === 20_000 ? '' : `(${result.items} items in --quick, so no verdict) `}mean ${result.idle.rssMiB.mean} MiB, max ${result.idle.rssMiB.max} MiB over ${result.idle.seconds} s without clients`,
    },
    {
      target: 'SIGTERM: … exit 0 within 10 s',
      met: Math.max(...result.shutdownMs) < 10_000,
      measured: `max ${Math.round(Math.max(...result.shutdownMs))} ms over ${result.shutdownMs.length} stops`,
    },
  ];
  return {
    id: 'idle',
    title: 'Idle footprint and warm restart',
    status: 'ok',
    method: `${result.items} small JPEGs indexed by the real CLI (\`spis serve\` compiled with tsc, watcher on, pre-generation off); warm restarts repeated; idle RSS/CPU from /proc over ${result.idle.seconds} s with no clients.`,
    figures,
    ratios: [],
    targets,
    raw: result,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const result = await measureIdleBench({
    items: Number(flag('items') ?? 20_000),
    idleSeconds: Number(flag('idle') ?? 30),
    restarts: Number(flag('restarts') ?? 3),
    runtime: flag('runtime') === 'tsx' ? 'tsx' : 'compiled',
    log: (message) => process.stderr.write(`${message}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

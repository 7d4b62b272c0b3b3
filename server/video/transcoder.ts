import { spawn, type ChildProcess } from 'node:child_process';
import { open, rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { progressSeconds, renditionArgs, type RenditionSettings } from './rendition-args.js';

export interface TranscodeJob {
  input: string;
  /** Final path; written as a temporary file beside it and renamed once complete. */
  output: string;
  durationMs: number | null;
  hasAudio: boolean;
  settings: RenditionSettings;
  /** Whole job limit, and the longest ffmpeg may go without writing progress. */
  timeoutMs: number;
  stallMs: number;
  onProgress?: (fraction: number) => void;
}

export class TranscodeError extends Error {}

/**
 * Runs one ffmpeg (under `nice` when available, so thumbnails and requests keep the CPU) and
 * makes its output appear atomically: a temporary file, fsynced, then renamed. A killed,
 * failed or timed-out job removes its temporary file; a torn rendition is never visible.
 */
export class Transcoder {
  private readonly running = new Set<ChildProcess>();
  private stopped = false;

  constructor(
    private readonly ffmpeg: string,
    private readonly nice: string | null,
  ) {}

  get active(): number {
    return this.running.size;
  }

  async run(job: TranscodeJob): Promise<void> {
    if (this.stopped) throw new TranscodeError('shutting down');
    const temp = `${job.output}.${process.pid}.partial`;
    try {
      await this.spawnFfmpeg(job, temp);
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, job.output);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Kills every ffmpeg now (shutdown); their jobs fail and clean up after themselves. */
  stop(): void {
    this.stopped = true;
    for (const child of this.running) child.kill('SIGKILL');
  }

  private spawnFfmpeg(job: TranscodeJob, temp: string): Promise<void> {
    const args = renditionArgs(job.input, temp, job.settings, job.hasAudio);
    const [command, argv] = this.nice
      ? [this.nice, ['-n', '10', this.ffmpeg, ...args]]
      : [this.ffmpeg, args];
    return new Promise((resolve, reject) => {
      const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      this.running.add(child);
      let stderr = '';
      let why: string | null = null;
      const kill = (reason: string) => {
        why ??= reason;
        child.kill('SIGKILL');
      };
      const total = setTimeout(
        () => kill(`transcoding took longer than ${Math.round(job.timeoutMs / 1000)} s`),
        job.timeoutMs,
      );
      let stall = setTimeout(
        () => kill(`ffmpeg made no progress for ${Math.round(job.stallMs / 1000)} s`),
        job.stallMs,
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        const seconds = progressSeconds(line);
        if (seconds === null) return;
        clearTimeout(stall);
        stall = setTimeout(
          () => kill(`ffmpeg made no progress for ${Math.round(job.stallMs / 1000)} s`),
          job.stallMs,
        );
        if (job.durationMs && job.durationMs > 0)
          job.onProgress?.(Math.min(0.99, (seconds * 1000) / job.durationMs));
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-2000); // bounded: a chatty ffmpeg stays small
      });
      child.on('error', (error) => {
        why ??= `ffmpeg could not start (${(error as NodeJS.ErrnoException).code ?? error.message})`;
      });
      child.on('close', (code, signal) => {
        clearTimeout(total);
        clearTimeout(stall);
        this.running.delete(child);
        if (code === 0 && !why) return resolve();
        if (this.stopped && !why) why = 'stopped by shutdown';
        const last = stderr
          .trim()
          .split('\n')
          .pop()
          ?.replaceAll(job.input, '')
          .replaceAll(temp, '')
          .replace(/^[:\s]+/, '')
          .slice(0, 200);
        reject(
          new TranscodeError(
            why ?? `ffmpeg failed (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`,
          ),
        );
      });
    });
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../ops/logger.js';
import { Limiter } from '../util/limiter.js';
import { render, type RenderLimits, type Rendered, type RenderOps, type RenderSource } from './render.js';
import type { RenderJob, RenderReply } from './render-worker.js';
import { computeThumbhash } from './thumbhash.js';

/**
 * Low CPU priority: against a busy server thread a render gets about a tenth of a core
 * (CFS weight 110 vs 1024). Not 19, the lowest: on a machine that is never idle (a shared
 * box, another service busy all day) background renders would then hardly progress at all.
 */
const BACKGROUND_NICE = 10;

export interface BackgroundRendered extends Rendered {
  placeholder: string | null;
}

export interface BackgroundRendererOptions {
  log: Logger;
  /** Renders at once (each with one libvips thread). */
  concurrency: number;
  /** A process with nothing to do for this long exits, giving back all its memory. */
  idleMs?: number;
}

/**
 * Renders background work (thumbnail pre-generation) in a child process at low CPU priority
 * with one libvips thread per render, so a bulk render of a newly added library
 * never takes the cores the server needs to answer requests. The process starts on the first
 * job and exits when idle: its memory (and the fragmentation libvips leaves behind) is gone
 * at rest. Requests never wait on it (an unprivileged process cannot raise a child's priority
 * again): ThumbService renders what a request needs itself. If the process cannot start,
 * renders run here.
 */
export class BackgroundRenderer {
  private child: ChildProcess | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: BackgroundRendered) => void; reject: (e: Error) => void }>();
  private readonly limiter: Limiter;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private broken = false;
  /** Processes started so far (tests and status). */
  starts = 0;

  constructor(private readonly options: BackgroundRendererOptions) {
    this.limiter = new Limiter(options.concurrency);
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** The process is up (busy, or idle but not yet gone). */
  get running(): boolean {
    return this.child !== null;
  }

  /** Renders `source`, and its ThumbHash placeholder when asked, at background priority. */
  render(source: RenderSource, ops: RenderOps, limits: RenderLimits, placeholder: boolean): Promise<BackgroundRendered> {
    return this.limiter.run(() => this.send(source, ops, limits, placeholder));
  }

  private async send(source: RenderSource, ops: RenderOps, limits: RenderLimits, placeholder: boolean): Promise<BackgroundRendered> {
    const child = this.broken || this.closed ? null : this.ensureChild();
    if (!child) {
      const rendered = await render(source, ops, limits);
      return { ...rendered, placeholder: placeholder ? await computeThumbhash(rendered.data) : null };
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    holdOpen(child, true);
    const id = this.nextId++;
    return new Promise<BackgroundRendered>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ id, source, ops, limits, placeholder } satisfies RenderJob);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop();
  }

  private ensureChild(): ChildProcess | null {
    if (this.child) return this.child;
    try {
      // The built server runs the compiled .js beside this file; from source, tsx's loader.
      const fromSource = import.meta.url.endsWith('.ts');
      const file = fileURLToPath(new URL(fromSource ? './render-worker.ts' : './render-worker.js', import.meta.url));
      const child = fork(file, [], {
        execArgv: fromSource ? ['--import', 'tsx'] : [],
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        // Its own small glibc arenas, whatever the parent was started with.
        env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
      });
      child.on('message', (reply: RenderReply) => this.settle(reply));
      child.on('error', (error) => this.fail(child, error));
      child.on('exit', (code, signal) => this.fail(child, new Error(`background renderer exited (${signal ?? code})`)));
      this.child = child;
      this.starts++;
      this.lowerPriority(child);
      return child;
    } catch (error) {
      this.broken = true;
      this.options.log.warn({ err: (error as Error).message }, 'background renderer unavailable: rendering in the server process');
      return null;
    }
  }

  private settle(reply: RenderReply): void {
    const job = this.pending.get(reply.id);
    if (!job) return;
    this.pending.delete(reply.id);
    if ('error' in reply) job.reject(new Error(reply.error));
    else job.resolve({ data: Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength), width: reply.width, height: reply.height, placeholder: reply.placeholder });
    if (this.pending.size === 0) {
      // Waiting for work must not keep the server process alive (a CLI command that is done exits).
      if (this.child) holdOpen(this.child, false);
      this.idleTimer = setTimeout(() => this.stop(), this.options.idleMs ?? 10_000);
      this.idleTimer.unref();
    }
  }

  private fail(child: ChildProcess, error: Error): void {
    if (this.child !== child) return;
    this.child = null;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }

  private stop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const child = this.child;
    this.child = null;
    if (!child) return;
    for (const job of this.pending.values()) job.reject(new Error('background renderer stopped'));
    this.pending.clear();
    child.disconnect();
  }

  private lowerPriority(child: ChildProcess): void {
    if (child.pid === undefined) return;
    try {
      setPriority(child.pid, BACKGROUND_NICE);
    } catch (error) {
      this.options.log.debug({ err: (error as Error).message }, 'could not lower the background renderer priority');
    }
  }
}

/** Whether the child (and its IPC channel) keeps this process's event loop alive. */
function holdOpen(child: ChildProcess, hold: boolean): void {
  const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
  if (hold) {
    child.ref();
    channel?.ref();
  } else {
    child.unref();
    channel?.unref();
  }
}

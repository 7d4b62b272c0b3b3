import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const childrenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'children');

export interface ChildOptions {
  env?: Record<string, string>;
  /** Extra node flags, e.g. --expose-gc or --cpu-prof. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

/**
 * Command line for a node child: pinned to the CPUs in SPIS_BENCH_CPUS (`taskset -c`, set by
 * `--profile=pi`) when given. taskset execs node, so the pid stays the server's own.
 */
export function nodeCommand(args: string[]): [string, string[]] {
  const cpus = process.env.SPIS_BENCH_CPUS;
  return cpus ? ['taskset', ['-c', cpus, process.execPath, ...args]] : [process.execPath, args];
}

function start(script: string, options: ChildOptions): ChildProcess {
  // TypeScript children load through tsx; the .mjs ones (the server over dist/) run as node would run spis.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const [command, args] = nodeCommand([...(options.nodeArgs ?? []), ...loader, path.join(childrenDir, script)]);
  return spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Resolves with the first JSON line the child prints. */
function firstLine<T>(child: ChildProcess, script: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} gave no result within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffered.slice(0, newline)) as T);
      } catch (error) {
        reject(error as Error);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before printing a result`));
    });
  });
}

/** Runs a child script to completion and returns its JSON result line. */
export async function runChild<T>(script: string, options: ChildOptions = {}): Promise<T> {
  const child = start(script, options);
  const result = await firstLine<T>(child, script, options.timeoutMs ?? 300_000);
  await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  return result;
}

export interface ChildMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** heapUsed right after a full collection, when the child runs with --expose-gc. */
  liveHeap?: number;
}

export interface RunningChild<T> {
  info: T;
  /** The child's process id (for /proc readings such as resident memory). */
  pid: number;
  /** CPU time (user + system, ms) the child has used so far; children answer SIGUSR2. */
  cpuMs(): Promise<number>;
  /** process.memoryUsage() of the child (serve-child.mjs answers SIGWINCH). */
  memory(): Promise<ChildMemory>;
  stop(): Promise<void>;
}

/** Every later JSON line of a child, in order, for request/answer exchanges. */
function lineQueue(child: ChildProcess): () => Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffered = '';
  let first = true;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (first) {
        first = false; // the ready line, consumed by firstLine
        continue;
      }
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  return () =>
    new Promise((resolve) => {
      const line = lines.shift();
      if (line !== undefined) resolve(JSON.parse(line) as Record<string, unknown>);
      else waiting.push((l) => resolve(JSON.parse(l) as Record<string, unknown>));
    });
}

/** Starts a long-running child (a server) and returns once it printed its ready line. */
export async function startChild<T>(script: string, options: ChildOptions = {}): Promise<RunningChild<T>> {
  const child = start(script, options);
  const next = lineQueue(child);
  const info = await firstLine<T>(child, script, options.timeoutMs ?? 300_000);
  return {
    info,
    pid: child.pid!,
    async cpuMs() {
      child.kill('SIGUSR2');
      const answer = await next();
      return Number(answer.cpuMs);
    },
    async memory() {
      child.kill('SIGWINCH');
      const answer = await next();
      return answer.memory as ChildMemory;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

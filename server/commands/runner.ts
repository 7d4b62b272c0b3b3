import { spawn } from 'node:child_process';

/**
 * Runs one program without a shell and collects a bounded amount of its output. The child
 * gets its own process group, so a timeout stops everything it started (a script's `sleep`
 * too), not only the first process, and nothing keeps its pipes open afterwards.
 */
export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Bytes kept of each of stdout and stderr; the rest is read and dropped. */
  maxOutputBytes: number;
  /** Sees each kept piece of output as it arrives (for a streamed answer). */
  onOutput?: (channel: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when the program could not be started at all (an errno code such as ENOENT). */
  spawnError: string | null;
  durationMs: number;
  stdout: string;
  stderr: string;
  truncated: { stdout: boolean; stderr: boolean };
}

class BoundedText {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  /** Keeps what fits; returns the kept part (empty once the limit is reached). */
  add(chunk: Buffer): Buffer {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return Buffer.alloc(0);
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
    return kept;
  }

  /** UTF-8, with a character cut in half at the limit replaced rather than kept broken. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function runProgram(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const stdout = new BoundedText(options.maxOutputBytes);
  const stderr = new BoundedText(options.maxOutputBytes);
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });
    let timedOut = false;
    let spawnError: string | null = null;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const collect = (channel: 'stdout' | 'stderr', text: BoundedText) => (chunk: Buffer) => {
      const kept = text.add(chunk);
      if (kept.length > 0) options.onOutput?.(channel, kept);
    };
    child.stdout.on('data', collect('stdout', stdout));
    child.stderr.on('data', collect('stderr', stderr));
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error.code ?? 'error';
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        timedOut,
        spawnError,
        durationMs: Math.round(performance.now() - started),
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: { stdout: stdout.truncated, stderr: stderr.truncated },
      });
    });
  });
}

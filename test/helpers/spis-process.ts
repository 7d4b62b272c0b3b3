import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SpisProcess {
  child: ChildProcess;
  url: string;
  /** JSON log lines seen so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
}

/**
 * Runs `spis serve` as a real child process (so it can be killed with SIGKILL) and resolves
 * once it logged the URL it listens on. Extra arguments are passed as given.
 */
export async function spawnSpis(args: string[], { timeoutMs = 60_000 } = {}): Promise<SpisProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', 'serve', '--port', '0', '--log-format', 'json', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SPIS_CONFIG: undefined },
  });
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never left running behind a failed start
      reject(new Error(`spis did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not a log line
      }
      logs.push(entry);
      if (typeof entry.url === 'string' && String(entry.msg).includes('listening')) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`spis exited with ${code} before listening: ${stderr}`));
    });
  });
  return { child, url, logs, exited };
}

/** Stops a child politely, then firmly if it lingers. */
export async function stopSpis(proc: SpisProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 12_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

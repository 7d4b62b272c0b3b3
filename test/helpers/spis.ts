import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createSpis, type Spis, type SpisDeps } from '../../server/app.js';
import { loadConfig } from '../../server/config/load.js';
import { createLogger } from '../../server/ops/logger.js';

export interface TestServer {
  spis: Spis;
  url: string;
  port: number;
  media: string;
  data: string;
  /** Parsed JSON log lines, for asserting what was logged. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  media?: string;
  data?: string;
  /** Config fields merged above the test defaults (port 0, quick watcher settle). */
  config?: Record<string, unknown>;
  /**
   * Wait for the start-up walk before returning (default true): `spis.start()`, which with a
   * snapshot ends after the index is already served (`library.ready`), once it is verified.
   */
  waitReady?: boolean;
  /** Injected parts (e.g. the auth clock and rate limits). */
  deps?: Omit<SpisDeps, 'log'>;
}

/** A temporary folder removed by the returned function. */
export async function tempDir(prefix = 'spis-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts a real spis server on port 0 over real folders. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const owned: Array<() => Promise<void>> = [];
  const media = options.media ?? (await ownedTemp('spis-media-', owned));
  const data = options.data ?? (await ownedTemp('spis-data-', owned));
  const { config } = loadConfig({
    env: {},
    overrides: deepMerge(
      { media, data, port: 0, host: '127.0.0.1', timezone: 'UTC', watch: { settleMs: 150 }, log: { level: 'debug' } },
      options.config ?? {},
    ),
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const spis = await createSpis(config, { ...options.deps, log: createLogger(config.log, sink) });
  const { port, url } = await spis.listen();
  if (options.waitReady !== false) await spis.start();
  return {
    spis,
    url,
    port,
    media,
    data,
    logs,
    async close() {
      await spis.close();
      for (const remove of owned) await remove();
    },
  };
}

async function ownedTemp(prefix: string, owned: Array<() => Promise<void>>): Promise<string> {
  const { dir, remove } = await tempDir(prefix);
  owned.push(remove);
  return dir;
}

function deepMerge(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const prev = out[key];
    out[key] =
      prev && value && typeof prev === 'object' && typeof value === 'object' && !Array.isArray(value)
        ? deepMerge(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/** GET/PUT/DELETE JSON with the status kept, for assertions on error responses too. */
export async function api<T = unknown>(
  server: { url: string },
  route: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(server.url + route, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 5000, intervalMs = 25, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

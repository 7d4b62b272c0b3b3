/**
 * Access-control benchmark: (1) what a burst of wrong logins from one address gets back,
 * and how long failures of each kind take; (2) the cost of authentication on
 * `GET /api/media?limit=100` — the same library served open (no users), with a Bearer token
 * and with a session cookie, in alternating runs of one process each.
 * Run alone: `node --import tsx test/bench/auth.ts [--quick]`.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { TokenStore } from '../../server/auth/token-store.js';
import { UserStore } from '../../server/auth/user-store.js';
import { startChild } from './lib/child.js';
import { load } from './lib/load.js';
import { repeat, round, summarize } from './lib/stats.js';
import type { Section } from './lib/types.js';

export interface AuthBenchOptions {
  items: number;
  connections: number;
  durationS: number;
  repeats: number;
  burst: number;
  log: (message: string) => void;
  tempDir?: (prefix: string) => Promise<string>;
}

interface ServerInfo {
  port: number;
}

const PASSWORD = 'bench-password-123';

async function makeLibrary(dir: string, items: number): Promise<string> {
  const media = path.join(dir, 'media');
  for (let i = 0; i < items; i++) {
    const folder = path.join(media, String(2000 + (i % 20)));
    if (i < 20) await mkdir(folder, { recursive: true });
    const color = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 13) % 256 };
    await sharp({ create: { width: 8, height: 8, channels: 3, background: color } }).jpeg().toFile(path.join(folder, `img-${i}.jpg`));
  }
  return media;
}

function serve(media: string, data: string, extra: Record<string, unknown> = {}) {
  const config = { media, data, watch: { enabled: false }, thumbnails: { pregenerate: false }, ...extra };
  return startChild<ServerInfo>('serve-child.ts', { env: { BENCH_CONFIG: JSON.stringify(config) } });
}

async function login(port: number, from: string, username: string, password: unknown): Promise<{ status: number; ms: number; cookie: string }> {
  const t0 = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify({ username, password }),
  });
  await response.arrayBuffer();
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('spis_session='))?.split(';')[0] ?? '';
  return { status: response.status, ms: performance.now() - t0, cookie };
}

/** A burst of wrong passwords from one address, then the right one; plus failure timings by kind. */
async function loginBurst(port: number, burst: number) {
  const t0 = performance.now();
  const answers = await Promise.all(Array.from({ length: burst }, () => login(port, '198.51.100.7', 'ann', 'wrong-guess')));
  const burstMs = performance.now() - t0;
  const counts = { 401: 0, 429: 0, other: 0 };
  for (const a of answers) counts[a.status === 401 ? 401 : a.status === 429 ? 429 : 'other']++;
  const right = await login(port, '198.51.100.7', 'ann', PASSWORD);
  const kinds: Record<string, [string, unknown]> = {
    'wrong password': ['ann', 'wrong-guess'],
    'unknown user': ['nobody', 'wrong-guess'],
    'empty password': ['ann', ''],
    'non-string password': ['ann', 12345],
    '1000-char password': ['ann', 'x'.repeat(1000)],
    'right password': ['ann', PASSWORD],
  };
  const timings: Record<string, number> = {};
  let n = 0;
  for (const [kind, [user, password]] of Object.entries(kinds)) {
    const samples: number[] = [];
    for (let i = 0; i < 7; i++) samples.push((await login(port, `203.0.113.${++n}`, user, password)).ms);
    timings[kind] = summarize(samples).median;
  }
  return { counts, burstMs, rightAfterBurst: right.status, timings };
}

export async function runAuthBench(partial: Partial<AuthBenchOptions> = {}): Promise<Section> {
  const opts: AuthBenchOptions = { items: 2000, connections: 50, durationS: 5, repeats: 3, burst: 50, log: () => undefined, ...partial };
  const root = opts.tempDir ? await opts.tempDir('auth-') : await mkdtemp(path.join(tmpdir(), 'spis-auth-bench-'));
  try {
    opts.log(`auth: generating ${opts.items} images`);
    const media = await makeLibrary(root, opts.items);
    const openData = path.join(root, 'data-open');
    const authData = path.join(root, 'data-auth');
    const users = new UserStore(authData);
    await users.put('ann', 'admin', PASSWORD);
    const token = await new TokenStore(authData).create('bench', 'viewer');
    const open = await serve(media, openData);
    // trustProxy lets the burst use X-Forwarded-For addresses; the API limit is lifted so it measures cost, not throttling.
    const secured = await serve(media, authData, { trustProxy: true, auth: { apiRequestsPerSecond: 10_000_000 } });
    try {
      const burst = await loginBurst(secured.info.port, opts.burst);
      const session = await login(secured.info.port, '192.0.2.1', 'ann', PASSWORD);
      const urlOf = (port: number) => `http://127.0.0.1:${port}/api/media?limit=100`;
      for (const [port, headers] of [[open.info.port, undefined], [secured.info.port, { authorization: `Bearer ${token}` }]] as const) {
        await load(urlOf(port), opts.connections, 1, headers); // warm-up
      }
      let bad = 0;
      const runs = await repeat(opts.repeats, async (run) => {
        opts.log(`auth: throughput run ${run + 1}/${opts.repeats}`);
        const plain = await load(urlOf(open.info.port), opts.connections, opts.durationS);
        const bearer = await load(urlOf(secured.info.port), opts.connections, opts.durationS, { authorization: `Bearer ${token}` });
        const cookie = await load(urlOf(secured.info.port), opts.connections, opts.durationS, { cookie: session.cookie });
        bad += plain.non2xx + bearer.non2xx + cookie.non2xx + plain.errors + bearer.errors + cookie.errors;
        return { open: plain.rps, bearer: bearer.rps, cookie: cookie.rps, bearerRatio: bearer.rps / plain.rps, cookieRatio: cookie.rps / plain.rps, openP99: plain.p99, bearerP99: bearer.p99 };
      });
      return report(opts, burst, runs, bad);
    } finally {
      await open.stop();
      await secured.stop();
    }
  } finally {
    if (!opts.tempDir) await rm(root, { recursive: true, force: true });
  }
}

type Burst = Awaited<ReturnType<typeof loginBurst>>;
type Runs = Awaited<ReturnType<typeof repeat<'open' | 'bearer' | 'cookie' | 'bearerRatio' | 'cookieRatio' | 'openP99' | 'bearerP99'>>>;

function report(opts: AuthBenchOptions, burst: Burst, runs: Runs, bad: number): Section {
  const timingText = Object.entries(burst.timings).map(([kind, ms]) => `${kind} ${round(ms, 1)} ms`).join(', ');
  return {
    id: 'auth',
    title: 'Access control: login throttling and the cost of auth',
    status: 'ok',
    method:
      `Two server processes over the same ${opts.items}-item library: one with no users (open), one with a user and an API token. ` +
      `Login: ${opts.burst} concurrent wrong passwords from one address, then the right one; failure latency by kind (median of 7, fresh addresses). ` +
      `Throughput: autocannon ${opts.connections} connections × ${opts.durationS} s on GET /api/media?limit=100, open / Bearer / cookie runs alternating, ${opts.repeats} rounds.`,
    figures: [
      { name: 'open (no users)', unit: 'requests/s', summary: runs.open },
      { name: 'Bearer token', unit: 'requests/s', summary: runs.bearer },
      { name: 'session cookie', unit: 'requests/s', summary: runs.cookie, note: `${bad} errors or non-2xx answers in all runs` },
      { name: 'p99 open', unit: 'ms', summary: runs.openP99 },
      { name: 'p99 Bearer', unit: 'ms', summary: runs.bearerP99 },
      { name: 'login burst wall time', unit: 'ms', summary: summarize([burst.burstMs]), note: `${burst.counts[401]}× 401, ${burst.counts[429]}× 429, ${burst.counts.other} other; right password right after: ${burst.rightAfterBurst}` },
    ],
    ratios: [
      { name: 'Bearer ÷ open throughput', value: round(runs.bearerRatio.median, 3), note: '1 = auth costs nothing' },
      { name: 'cookie ÷ open throughput', value: round(runs.cookieRatio.median, 3), note: '1 = auth costs nothing' },
    ],
    targets: [],
    markdown: `Failed-login latency by kind: ${timingText}.`,
    raw: { burst, runs },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const section = await runAuthBench({ ...(quick ? { items: 500, durationS: 3, repeats: 2 } : {}), log: (m) => process.stderr.write(`[bench] ${m}\n`) });
  process.stdout.write(`${JSON.stringify(section, null, 2)}\n`);
}

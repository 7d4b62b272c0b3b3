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
import { decide } from '../../server/auth/access-policy.js';
import { AuthService } from '../../server/auth/auth-service.js';
import { classifyRequest } from '../../server/auth/route-access.js';
import { loadConfig } from '../../server/config/load.js';
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
  return startChild<ServerInfo>('serve-child.mjs', { env: { BENCH_CONFIG: JSON.stringify(config) } });
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
  // One user per kind, so the per-user limit never turns a timing into a quick 429.
  const kinds: Record<string, [string, unknown]> = {
    'wrong password': ['w1', 'wrong-guess'],
    'unknown user': ['nobody', 'wrong-guess'],
    'empty password': ['w2', ''],
    'non-string password': ['w3', 12345],
    '1000-char password': ['w4', 'x'.repeat(1000)],
    'right password': ['w5', PASSWORD],
  };
  const samples = new Map<string, number[]>();
  let n = 0;
  let unexpected = 0;
  for (let round = 0; round < 9; round++) {
    // Interleaved, so drifting machine load touches every kind alike.
    for (const [kind, [user, password]] of Object.entries(kinds)) {
      const answer = await login(port, `203.0.${round}.${++n}`, user, password);
      if (answer.status !== (kind === 'right password' ? 200 : 401)) unexpected++;
      samples.set(kind, [...(samples.get(kind) ?? []), answer.ms]);
    }
  }
  const timings = Object.fromEntries([...samples].map(([kind, values]) => [kind, summarize(values).median]));
  return { counts, burstMs, rightAfterBurst: right.status, timings, unexpected };
}

/**
 * The gate's own work per request (classify, resolve the principal, decide), in-process and
 * without HTTP: machine load slows it and the baseline alike, so it stays comparable.
 */
async function gateCost(data: string, token: string, cookie: string, iterations = 200_000) {
  const { config } = loadConfig({ env: {}, overrides: { media: data, data } });
  const auth = new AuthService({ config, index: { getById: () => undefined, ownerOf: () => undefined }, marksOf: () => ({ favorite: false, archived: false }) });
  await auth.open();
  const session = cookie.split('=')[1] ?? '';
  const variants: Record<string, () => unknown> = {
    'classify only': () => classifyRequest('GET', '/api/media'),
    'Bearer token': () => gate(auth, `Bearer ${token}`, () => undefined),
    'session cookie': () => gate(auth, undefined, (name) => (name === 'spis_session' ? session : undefined)),
  };
  const out: Record<string, number> = {};
  for (const [name, run] of Object.entries(variants)) {
    for (let i = 0; i < 20_000; i++) run(); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) run();
    out[name] = ((performance.now() - t0) * 1000) / iterations; // µs per request
  }
  return out;
}

function gate(auth: AuthService, authorization: string | undefined, cookie: (name: string) => string | undefined) {
  const access = classifyRequest('GET', '/api/media');
  const principal = auth.resolve(authorization, cookie);
  if (!principal || principal.kind === 'anonymous') throw new Error('the bench credentials were refused');
  return decide({ access, principal, signature: 'none', transformsSigned: false, usersExist: true, metricsPublic: false, loopback: true });
}

export async function runAuthBench(partial: Partial<AuthBenchOptions> = {}): Promise<Section> {
  const opts: AuthBenchOptions = { items: 1000, connections: 50, durationS: 5, repeats: 3, burst: 50, log: () => undefined, ...partial };
  const root = opts.tempDir ? await opts.tempDir('auth-') : await mkdtemp(path.join(tmpdir(), 'spis-auth-bench-'));
  try {
    opts.log(`auth: generating ${opts.items} images`);
    const media = await makeLibrary(root, opts.items);
    const openData = path.join(root, 'data-open');
    const authData = path.join(root, 'data-auth');
    const users = new UserStore(authData);
    for (const name of ['ann', 'w1', 'w2', 'w3', 'w4', 'w5', 'reader']) await users.put(name, 'viewer', PASSWORD);
    const token = await new TokenStore(authData).create('bench', 'viewer');
    const open = await serve(media, openData);
    // trustProxy lets the burst use X-Forwarded-For addresses; the API limit is lifted so it measures cost, not throttling.
    const secured = await serve(media, authData, { trustProxy: true, auth: { apiRequestsPerSecond: 10_000_000 } });
    try {
      const burst = await loginBurst(secured.info.port, opts.burst);
      const session = await login(secured.info.port, '192.0.2.1', 'reader', PASSWORD);
      if (!session.cookie) throw new Error(`could not log in for the cookie runs (${session.status})`);
      const urlOf = (port: number) => `http://127.0.0.1:${port}/api/media?limit=100`;
      for (const [port, headers] of [[open.info.port, undefined], [secured.info.port, { authorization: `Bearer ${token}` }]] as const) {
        await load(urlOf(port), opts.connections, 1, headers); // warm-up
      }
      let bad = 0;
      const runs = await repeat(opts.repeats, async (run) => {
        opts.log(`auth: throughput run ${run + 1}/${opts.repeats}`);
        // Server CPU time per request does not depend on what else loads the machine; req/s does.
        const measure = async (child: typeof open, headers?: Record<string, string>) => {
          const cpu0 = await child.cpuMs();
          const result = await load(urlOf(child.info.port), opts.connections, opts.durationS, headers);
          bad += result.non2xx + result.errors;
          return { ...result, cpuPerReq: ((await child.cpuMs()) - cpu0) / (result.rps * opts.durationS) };
        };
        const plain = await measure(open);
        const bearer = await measure(secured, { authorization: `Bearer ${token}` });
        const cookie = await measure(secured, { cookie: session.cookie });
        return {
          open: plain.rps, bearer: bearer.rps, cookie: cookie.rps,
          bearerRatio: bearer.rps / plain.rps, cookieRatio: cookie.rps / plain.rps,
          openP99: plain.p99, bearerP99: bearer.p99,
          openCpu: plain.cpuPerReq, bearerCpu: bearer.cpuPerReq, cookieCpu: cookie.cpuPerReq,
          bearerCpuRatio: bearer.cpuPerReq / plain.cpuPerReq, cookieCpuRatio: cookie.cpuPerReq / plain.cpuPerReq,
        };
      });
      const gateUs = await gateCost(authData, token, session.cookie);
      return report(opts, burst, runs, bad, gateUs);
    } finally {
      await open.stop();
      await secured.stop();
    }
  } finally {
    if (!opts.tempDir) await rm(root, { recursive: true, force: true });
  }
}

type Burst = Awaited<ReturnType<typeof loginBurst>>;
type RunKey = 'open' | 'bearer' | 'cookie' | 'bearerRatio' | 'cookieRatio' | 'openP99' | 'bearerP99' | 'openCpu' | 'bearerCpu' | 'cookieCpu' | 'bearerCpuRatio' | 'cookieCpuRatio';
type Runs = Awaited<ReturnType<typeof repeat<RunKey>>>;

function report(opts: AuthBenchOptions, burst: Burst, runs: Runs, bad: number, gateUs: Record<string, number>): Section {
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
      { name: 'server CPU per request, open', unit: 'ms', summary: runs.openCpu },
      { name: 'server CPU per request, Bearer', unit: 'ms', summary: runs.bearerCpu },
      { name: 'server CPU per request, cookie', unit: 'ms', summary: runs.cookieCpu },
      { name: 'p99 open', unit: 'ms', summary: runs.openP99 },
      { name: 'p99 Bearer', unit: 'ms', summary: runs.bearerP99 },
      { name: 'login burst wall time', unit: 'ms', summary: summarize([burst.burstMs]), note: `${burst.counts[401]}× 401, ${burst.counts[429]}× 429, ${burst.counts.other} other; right password right after: ${burst.rightAfterBurst}` },
    ],
    ratios: [
      { name: 'Bearer ÷ open throughput', value: round(runs.bearerRatio.median, 3), note: '1 = auth costs nothing' },
      { name: 'cookie ÷ open throughput', value: round(runs.cookieRatio.median, 3), note: '1 = auth costs nothing' },
      { name: 'Bearer ÷ open server CPU per request', value: round(runs.bearerCpuRatio.median, 3), note: 'load-independent; 1 = auth costs nothing' },
      { name: 'cookie ÷ open server CPU per request', value: round(runs.cookieCpuRatio.median, 3), note: 'load-independent; 1 = auth costs nothing' },
    ],
    targets: [],
    markdown: `Gate cost in-process (µs per request): ${Object.entries(gateUs).map(([k, v]) => `${k} ${round(v, 2)}`).join(', ')}. ` +
      `Login latency by kind (median of 9, interleaved): ${timingText}; ${burst.unexpected} answers other than 401 (200 for the right password).`,
    raw: { burst, runs, gateUs },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const section = await runAuthBench({ ...(quick ? { items: 500, durationS: 3, repeats: 2 } : {}), log: (m) => process.stderr.write(`[bench] ${m}\n`) });
  process.stdout.write(`${JSON.stringify(section, null, 2)}\n`);
}

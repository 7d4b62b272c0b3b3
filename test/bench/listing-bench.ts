import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { largeLibrary } from './library-fixtures.js';
import { startChild, type RunningChild } from './lib/child.js';
import { load } from './lib/load.js';
import { repeat, round } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';

const ITEMS = 100_000;
const CONNECTIONS = 50;

export interface ServerInfo {
  port: number;
  readyMs: number;
  /** Until the start-up walk verified the snapshot (the child answers only then). */
  verifiedMs: number;
  items: number;
}

/** The real server in a child process over `media`/`data`; the watcher off unless asked. */
export function startServer(media: string, data: string, extra: Record<string, unknown> = {}) {
  // The API rate limit is off: these benchmarks measure the routes, not the limiter.
  const config = { media, data, watch: { enabled: false }, thumbnails: { pregenerate: false }, auth: { apiRequestsPerSecond: 0 }, ...extra };
  return startChild<ServerInfo>('serve-child.mjs', { env: { BENCH_CONFIG: JSON.stringify(config) } });
}

export async function runListingBench(ctx: BenchContext): Promise<Section> {
  const items = ctx.quick ? 20_000 : ITEMS;
  const lib = await largeLibrary(ctx, items);
  const server = await startServer(lib.media, lib.data);
  const durationS = ctx.quick ? 3 : 10;
  const url = `http://127.0.0.1:${server.info.port}/api/media?limit=100`;
  let bad = 0;
  let bare: RunningChild<{ port: number }> | null = null;
  try {
    // Asked as autocannon asks (no Accept-Encoding): the identity body both servers then send.
    const probe = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    const bytes = Buffer.from(await probe.arrayBuffer());
    const body = JSON.parse(bytes.toString('utf8')) as { items?: unknown[] };
    if (probe.status !== 200 || body.items?.length !== 100 || probe.headers.get('content-encoding')) {
      return { id: 'listing', title: 'GET /api/media', status: 'failed', reason: `probe answered ${probe.status} with ${body.items?.length ?? 0} items (${probe.headers.get('content-encoding') ?? 'identity'})`, method: '', figures: [], ratios: [], targets: [] };
    }
    // The floor: node:http alone sending the very same bytes, measured in the same rounds.
    const bodyFile = path.join(await ctx.tempDir('listing-floor-'), 'page.json');
    await writeFile(bodyFile, bytes);
    bare = await startChild<{ port: number }>('bare-child.mjs', { env: { BENCH_BODY_FILE: bodyFile, BENCH_CONTENT_TYPE: probe.headers.get('content-type') ?? 'application/json' } });
    const bareUrl = `http://127.0.0.1:${bare.info.port}/`;
    await load(url, CONNECTIONS, 2); // warm-up: JIT, connection setup
    await load(bareUrl, CONNECTIONS, 2);
    const floor = bare;
    const runs = await repeat(ctx.repeats, async () => {
      const cpu0 = await server.cpuMs();
      const r = await load(url, CONNECTIONS, durationS);
      const cpu = (await server.cpuMs()) - cpu0;
      const bareCpu0 = await floor.cpuMs();
      const f = await load(bareUrl, CONNECTIONS, durationS);
      const bareCpu = (await floor.cpuMs()) - bareCpu0;
      bad += r.errors + r.non2xx + f.errors + f.non2xx;
      return {
        rps: r.rps, p50: r.p50, p99: r.p99, cpuPerReq: cpu / (r.rps * durationS),
        bareRps: f.rps, bareP99: f.p99, bareCpuPerReq: bareCpu / (f.rps * durationS),
        rpsRatio: r.rps / f.rps, p99Ratio: r.p99 / Math.max(f.p99, 1),
      };
    });
    const rps = runs.rps.median;
    const p99 = runs.p99.median;
    const rpsRatio = runs.rpsRatio.median;
    const p99Ratio = runs.p99Ratio.median;
    return {
      id: 'listing',
      title: `GET /api/media?limit=100 with ${items / 1000}k items`,
      status: 'ok',
      method:
        `The real server (app.ts; watcher, thumbnail pre-generation and the API rate limit off) in a child process over the ${items / 1000}k-item library of the index benchmark (${server.info.items} items after a warm start of ${round(server.info.readyMs, 0)} ms, measured once the start-up walk verified it, ${round(server.info.verifiedMs, 0)} ms after start); ` +
        `autocannon (programmatic) in the harness process, ${CONNECTIONS} connections, ${durationS} s per run after a 2 s warm-up, first page (newest 100 items, ${bytes.length} bytes, uncompressed: autocannon sends no Accept-Encoding). The server is the compiled one (dist/), as \`npm start\` runs it. ` +
        `The floor: a bare node:http server in its own process answering every request with the same bytes, run after spis in each round (ratios are medians of per-round ratios; a p99 under 1 ms counts as 1 ms).`,
      figures: [
        { name: 'throughput', unit: 'requests/s', summary: runs.rps, note: `${bad} errors or non-2xx answers in all runs` },
        { name: 'latency p50', unit: 'ms', summary: runs.p50 },
        { name: 'latency p99', unit: 'ms', summary: runs.p99 },
        { name: 'server CPU time per request', unit: 'ms', summary: runs.cpuPerReq, note: `one core could serve about ${round(1000 / runs.cpuPerReq.median, 0)} req/s; unlike wall-clock figures this does not depend on what else runs on the machine` },
        { name: 'floor: bare node:http, same bytes, throughput', unit: 'requests/s', summary: runs.bareRps },
        { name: 'floor: latency p99', unit: 'ms', summary: runs.bareP99 },
        { name: 'floor: server CPU time per request', unit: 'ms', summary: runs.bareCpuPerReq },
      ],
      ratios: [
        { name: 'throughput ÷ target (3,000 req/s)', value: round(rps / 3000, 3), note: '≥ 1 meets the target' },
        { name: 'throughput: spis ÷ bare node:http', value: round(rpsRatio, 2), note: '≥ 0.5 meets the target' },
        { name: 'p99: spis ÷ bare node:http', value: round(p99Ratio, 2), note: '≤ 3 meets the target' },
        { name: 'CPU per request: spis ÷ bare node:http', value: round(runs.cpuPerReq.median / runs.bareCpuPerReq.median, 2), note: 'load-independent; 1 = the route costs nothing beyond sending its bytes' },
      ],
      targets: [
        {
          target: 'GET /api/media (100 items) at 50 concurrent clients: > 3,000 req/s, p99 < 25 ms with 100k items',
          met: items === ITEMS ? rps > 3000 && p99 < 25 && bad === 0 : null,
          measured: `${items === ITEMS ? '' : `(${items / 1000}k items in --quick, so no verdict) `}${round(rps, 0)} req/s, p99 ${round(p99, 1)} ms (medians of ${runs.rps.runs.length} runs)${bad ? `, ${bad} failed requests` : ''}`,
        },
        {
          target: 'GET /api/media?limit=100 at 50 clients ≥ 0.5× a bare node:http server sending the same bytes, p99 ≤ 3× its p99',
          met: rpsRatio >= 0.5 && p99Ratio <= 3 && bad === 0,
          measured: `${round(rpsRatio, 2)}× (${round(rps, 0)} vs ${round(runs.bareRps.median, 0)} req/s); p99 ${round(p99, 1)} vs ${round(runs.bareP99.median, 1)} ms (${round(p99Ratio, 2)}×)`,
        },
      ],
    };
  } finally {
    await bare?.stop();
    await server.stop();
  }
}

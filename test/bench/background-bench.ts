import { copyFile, mkdir } from 'node:fs/promises';
import { snapshotPath } from '../../server/media/snapshot.js';
import { largeLibrary } from './library-fixtures.js';
import { startServer } from './listing-bench.js';
import { load } from './lib/load.js';
import { rssOf, treeRssMiB } from './lib/proc.js';
import { round, summarize } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';

const CONNECTIONS = 50;

interface PregenStatus {
  queued: number;
  running: number;
  done: number;
}

async function pregenStatus(base: string): Promise<PregenStatus> {
  const body = (await (await fetch(`${base}/api/status`)).json()) as { thumbnails: PregenStatus };
  return body.thumbnails;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The family's scrolling while a newly added library's thumbnails render: the listing at 50
 * clients on a server with no background work (idle) and, in interleaved rounds, on a server
 * of the same library that has just started pre-generating every small thumbnail. Then the
 * resident memory of a fresh server right after a cold index and after it rendered them all.
 */
export async function runBackgroundBench(ctx: BenchContext): Promise<Section> {
  const items = ctx.quick ? 2000 : 5000;
  const durationS = ctx.quick ? 4 : 8;
  const lib = await largeLibrary(ctx, items);
  const idleServer = await startServer(lib.media, lib.data);
  const idleUrl = `http://127.0.0.1:${idleServer.info.port}/api/media?limit=100`;
  const idle: Array<{ p99: number; rps: number }> = [];
  type Busy = { p99: number; rps: number; rendersPerS: number };
  // The default (renders in a low-priority process) against rendering in the server process.
  const modes = [
    { name: 'background process (default)', config: { backgroundProcess: true }, runs: [] as Busy[] },
    { name: 'in the server process', config: { backgroundProcess: false }, runs: [] as Busy[] },
  ];
  const busy = modes[0]!.runs;
  let bad = 0;
  try {
    await load(idleUrl, CONNECTIONS, 2);
    for (let round_ = 0; round_ < ctx.repeats; round_++) {
      const r = await load(idleUrl, CONNECTIONS, durationS);
      bad += r.errors + r.non2xx;
      idle.push({ p99: r.p99, rps: r.rps });
      for (const mode of modes) {
        // A copy of the index without thumbnails: pre-generation starts once the walk verified it.
        const data = await ctx.tempDir('background-');
        await mkdir(data, { recursive: true });
        await copyFile(snapshotPath(lib.data), snapshotPath(data));
        const server = await startServer(lib.media, data, { thumbnails: { pregenerate: true, ...mode.config } });
        const base = `http://127.0.0.1:${server.info.port}`;
        try {
          await waitFor('pre-generation to start', 120_000, async () => (await pregenStatus(base)).done > 0);
          const before = await pregenStatus(base);
          const b = await load(`${base}/api/media?limit=100`, CONNECTIONS, durationS);
          const after = await pregenStatus(base);
          if (after.queued === 0 && after.running === 0) throw new Error('pre-generation finished during the run: the library is too small');
          bad += b.errors + b.non2xx;
          mode.runs.push({ p99: b.p99, rps: b.rps, rendersPerS: (after.done - before.done) / durationS });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await idleServer.stop();
  }

  // Resident memory at rest: right after a cold index, then after every small thumbnail.
  const coldData = await ctx.tempDir('background-cold-');
  const cold = await startServer(lib.media, coldData, { thumbnails: { pregenerate: true } });
  const coldBase = `http://127.0.0.1:${cold.info.port}`;
  let rssIndexed: number;
  let treeIndexed: number;
  let rendererPeak = 0;
  let rssRendered: number;
  let renderSeconds: number;
  try {
    // The server itself, at rest once its index is verified. Pre-generation starts at that
    // moment in the renderer process: that process is busy, not at rest, so it is reported on
    // its own (and counted in the figure after the render, when it should be gone).
    [rssIndexed, treeIndexed] = await Promise.all([rssOf(cold.pid).then((bytes) => bytes / 2 ** 20), treeRssMiB(cold.pid)]);
    const t0 = Date.now();
    await waitFor('every small thumbnail', 3_600_000, async () => {
      const [s, tree, own] = await Promise.all([pregenStatus(coldBase), treeRssMiB(cold.pid), rssOf(cold.pid)]);
      rendererPeak = Math.max(rendererPeak, tree - own / 2 ** 20);
      return s.queued === 0 && s.running === 0 && s.done > 0;
    });
    renderSeconds = (Date.now() - t0) / 1000;
    // At rest: let helpers that idle out go and V8 shrink its heap.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    rssRendered = await treeRssMiB(cold.pid);
  } finally {
    await cold.stop();
  }

  const idleP99 = summarize(idle.map((r) => r.p99));
  const busyP99 = summarize(busy.map((r) => r.p99));
  const ratios = busy.map((b, i) => b.p99 / idle[i]!.p99);
  const ratio = summarize(ratios).median;
  const growth = rssRendered - rssIndexed;
  return {
    id: 'background',
    title: `GET /api/media?limit=100 while thumbnails render in the background (${items} photos)`,
    status: 'ok',
    method:
      `Two servers over the same ${items}-photo library (hard links to the corpus JPEGs): one with nothing to do, one started with the index but no thumbnails, so pre-generation renders every small thumbnail. ` +
      `Rounds interleaved: ${CONNECTIONS} connections × ${durationS} s on the idle server, then on a fresh server once its first thumbnails are done, once with background renders in their low-priority process (the default) and once in the server process (thumbnails.backgroundProcess false, as before). ` +
      `Then a fresh server indexes the library cold and renders them all: resident memory of the server right after its index is verified (the renderer process pre-generation starts at that moment is busy, so it is reported apart), then of the server and every process it started, at rest after the render.`,
    figures: [
      { name: 'listing p99, idle', unit: 'ms', summary: idleP99 },
      { name: 'throughput, idle', unit: 'requests/s', summary: summarize(idle.map((r) => r.rps)), note: `${bad} errors or non-2xx answers in all runs` },
      ...modes.flatMap((mode) => [
        { name: `listing p99, renders ${mode.name}`, unit: 'ms', summary: summarize(mode.runs.map((r) => r.p99)) },
        { name: `throughput, renders ${mode.name}`, unit: 'requests/s', summary: summarize(mode.runs.map((r) => r.rps)) },
        { name: `background renders under the listing load, ${mode.name}`, unit: 'thumbnails/s', summary: summarize(mode.runs.map((r) => r.rendersPerS)) },
      ]),
      { name: 'resident memory right after indexing', unit: 'MiB', summary: summarize([rssIndexed]), note: `the server process; with the renderer that had just started: ${round(treeIndexed, 0)} MiB` },
      { name: 'renderer process during the bulk render, peak', unit: 'MiB', summary: summarize([rendererPeak]), note: 'exits 10 s after the last render' },
      { name: 'resident memory at rest after every small thumbnail', unit: 'MiB', summary: summarize([rssRendered]), note: `${items} thumbnails in ${round(renderSeconds, 0)} s without clients; read 15 s after the queue emptied` },
    ],
    ratios: [
      ...modes.map((mode) => ({
        name: `listing p99, renders ${mode.name} ÷ idle p99 (median of per-round ratios)`,
        value: round(summarize(mode.runs.map((b, i) => b.p99 / idle[i]!.p99)).median, 2),
        note: '≤ 2 meets the target',
      })),
      { name: 'growth of resident memory after the bulk render', value: round(growth, 1), note: 'MiB; ≤ 20 meets the target' },
    ],
    targets: [
      { target: 'Listing p99 while thumbnails render in the background ≤ 2× the idle p99', met: ratio <= 2 && bad === 0, measured: `${round(ratio, 2)}× (${round(busyP99.median, 1)} vs ${round(idleP99.median, 1)} ms, medians of ${ratios.length} interleaved rounds)` },
      { target: `RSS at rest with ${items} photos ≤ 100 MiB after indexing, ≤ +20 MiB after a bulk render`, met: items === 5000 ? rssIndexed <= 100 && growth <= 20 : null, measured: `${round(rssIndexed, 0)} → ${round(rssRendered, 0)} MiB` },
    ],
  };
}

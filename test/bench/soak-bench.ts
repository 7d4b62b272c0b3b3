import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { startServer } from './listing-bench.js';
import { largeLibrary } from './library-fixtures.js';
import { rssOf, treePssMiB, treeRssMiB } from './lib/proc.js';
import { round, summarize } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';

const ITEMS = 100_000;
const WORKERS = 8;
const SAMPLE_MS = 5000;
const MiB = 1024 * 1024;
const IDLE_MS = 30_000;

/**
 * Resident memory of the real server with 100k items while clients keep it busy: listing
 * pages at random depths, item details (EXIF read from the file), small thumbnails rendered
 * on demand and served from the caches, the timeline. Memory may rise while caches fill
 * (all are bounded); "flat" means the second half of the run adds next to nothing.
 */
export async function runSoakBench(ctx: BenchContext): Promise<Section> {
  const items = ctx.quick ? 20_000 : ITEMS;
  const lib = await largeLibrary(ctx, items);
  const server = await startServer(lib.media, lib.data, { watch: { enabled: true } });
  const base = `http://127.0.0.1:${server.info.port}`;
  try {
    // Idle after ready: no clients for a while (V8 gives back start-up garbage once idle).
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idleRss = await treeRssMiB(server.pid);
    // Cursors into the first pages and a pool of ids to ask for, collected once.
    const cursors: Array<string | null> = [null];
    const ids: string[] = [];
    for (let page = 0; page < 60; page++) {
      const body = (await (await fetch(`${base}/api/media?limit=100${cursors[page] ? `&cursor=${cursors[page]}` : ''}`)).json()) as MediaPage;
      ids.push(...body.items.map((item: ApiItem) => item.id));
      if (!body.nextCursor) break;
      cursors.push(body.nextCursor);
    }
    let seed = 20231114;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
    const requests = [
      () => `/api/media?limit=100${((c) => (c ? `&cursor=${c}` : ''))(pick(cursors))}`,
      () => `/api/media/${pick(ids)}`,
      () => `/api/media/${pick(ids)}/thumb/small`,
      () => `/api/media/${pick(ids)}/thumb/small`,
      () => '/api/timeline',
    ];
    let done = 0;
    let failed = 0;
    // The server and every process it started (a renderer, ffmpeg): memory moved into a
    // helper process still counts.
    const samples: Array<{ at: number; rss: number; server: number; pss: number }> = [];
    const sample = async () => {
      const [tree, own, pss] = await Promise.all([treeRssMiB(server.pid), rssOf(server.pid), treePssMiB(server.pid)]);
      samples.push({ at: (Date.now() - t0) / 1000, rss: tree, server: own / MiB, pss });
    };
    const t0 = Date.now();
    const until = t0 + ctx.soakSeconds * 1000;
    const sampler = (async () => {
      while (Date.now() < until) {
        await sample();
        await new Promise((resolve) => setTimeout(resolve, Math.min(SAMPLE_MS, Math.max(0, until - Date.now()))));
      }
      await sample();
    })();
    const worker = async () => {
      while (Date.now() < until) {
        const response = await fetch(base + pick(requests)(), { headers: { accept: 'image/webp,application/json' } }).catch(() => null);
        if (response?.ok) done++;
        else failed++;
        await response?.arrayBuffer().catch(() => undefined);
      }
    };
    ctx.log(`soak: ${WORKERS} clients for ${ctx.soakSeconds} s on ${items / 1000}k items`);
    await Promise.all([sampler, ...Array.from({ length: WORKERS }, worker)]);
    // Where the resident memory is at the end: JS heap, memory outside it (Buffers, libvips).
    const memory = await server.memory();

    const seconds = ctx.soakSeconds;
    const rss = samples.map((s) => s.rss);
    const half = samples.filter((s) => s.at >= seconds / 2).map((s) => s.rss);
    const serverPeak = Math.max(...samples.map((s) => s.server));
    const childrenPeak = Math.max(...samples.map((s) => s.rss - s.server));
    const pssPeak = Math.max(...samples.map((s) => s.pss));
    const firstOfHalf = half[0]!;
    const end = rss[rss.length - 1]!;
    const peak = Math.max(...rss);
    const secondHalfGrowth = end - firstOfHalf;
    const flat = secondHalfGrowth <= Math.max(5, firstOfHalf * 0.05);
    const under = peak < 250;
    const full = items === ITEMS && seconds >= 600;
    return {
      id: 'soak',
      title: `Memory soak: ${items / 1000}k items, ${seconds} s of mixed requests`,
      status: 'ok',
      method:
        `The real server (app.ts, watcher on, pre-generation off) in a child process over the ${items / 1000}k-item library; ${WORKERS} clients in the harness ` +
        `send listing pages at random depths (first 60 pages), item details, small thumbnails of random items among the first ${ids.length} (rendered on demand, then cached) and the timeline, ` +
        `for ${seconds} s; resident memory (VmRSS) of the server plus every process it started (renderers, ffmpeg), sampled every ${SAMPLE_MS / 1000} s.`,
      figures: [
        { name: `resident memory idle after ready (${IDLE_MS / 1000} s without clients)`, unit: 'MiB', summary: summarize([idleRss]) },
        { name: 'resident memory at start', unit: 'MiB', summary: summarize([rss[0]!]) },
        { name: 'resident memory, second half of the run', unit: 'MiB', summary: summarize(half) },
        { name: 'resident memory at the end', unit: 'MiB', summary: summarize([end]) },
        { name: 'peak resident memory', unit: 'MiB', summary: summarize([peak]), note: 'the server and its child processes together, sampled at once' },
        { name: 'peak resident memory of the server process alone', unit: 'MiB', summary: summarize([serverPeak]) },
        { name: 'peak resident memory of its child processes (renderers, ffmpeg)', unit: 'MiB', summary: summarize([childrenPeak]) },
        { name: 'peak proportional memory (Pss) of the server and its child processes', unit: 'MiB', summary: summarize([pssPeak]), note: 'code pages node maps in every process counted once, not per process' },
        { name: 'growth over the second half', unit: 'MiB', summary: summarize([secondHalfGrowth]) },
        { name: 'requests answered', unit: 'requests/s', summary: summarize([done / seconds]), note: `${failed} failed` },
        { name: 'at the end: JS heap used / reserved', unit: 'MiB', summary: summarize([memory.heapUsed / MiB]), note: `of ${round(memory.heapTotal / MiB, 1)} MiB reserved by V8${memory.liveHeap === undefined ? '' : `; ${round(memory.liveHeap / MiB, 1)} MiB live after a full collection`}` },
        { name: 'at the end: external memory (Buffers and native objects V8 knows of)', unit: 'MiB', summary: summarize([memory.external / MiB]), note: `of which ArrayBuffers ${round(memory.arrayBuffers / MiB, 1)} MiB` },
        { name: 'at the end: resident memory outside the JS heap and external (code, stacks, malloc arenas, libvips)', unit: 'MiB', summary: summarize([(memory.rss - memory.heapTotal - memory.external) / MiB]) },
      ],
      ratios: [{ name: 'end ÷ start of the second half (RSS)', value: round(end / firstOfHalf, 3), note: '1 = flat' }],
      targets: [
        {
          target: 'Resident memory with 100k items indexed < 250 MiB; flat over a 10-minute soak',
          met: full ? under && flat && failed === 0 : null,
          measured:
            `${full ? '' : `(${seconds} s${items === ITEMS ? '' : `, ${items / 1000}k items`}: shorter than the 10-minute soak, so no verdict; \`npm run bench -- --only=soak --soak=600\` runs it) `}` +
            `peak ${round(peak, 1)} MiB, ${round(firstOfHalf, 1)} → ${round(end, 1)} MiB over the second half (${secondHalfGrowth >= 0 ? '+' : ''}${round(secondHalfGrowth, 1)} MiB), ${failed} failed requests`,
        },
        {
          target: `Resident memory with ${items / 1000}k items ≤ ${items === ITEMS ? 140 : 90} MiB idle after ready`,
          met: idleRss <= (items === ITEMS ? 140 : 90),
          measured: `idle ${round(idleRss, 1)} MiB`,
        },
        {
          // A shorter run has not shown the whole soak: it gives the figures, not a verdict.
          target: 'Resident memory with 100k items ≤ 180 MiB and flat over a 10-minute soak',
          met: full ? peak <= 180 && flat && failed === 0 : null,
          measured: `peak ${round(peak, 1)} MiB (server and child processes; Pss ${round(pssPeak, 1)} MiB), ${secondHalfGrowth >= 0 ? '+' : ''}${round(secondHalfGrowth, 1)} MiB over the second half (${seconds} s${items === ITEMS ? '' : `, ${items / 1000}k items`})`,
        },
      ],
    };
  } finally {
    await server.stop();
  }
}

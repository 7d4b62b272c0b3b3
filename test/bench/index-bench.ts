import { rm } from 'node:fs/promises';
import { largeLibrary } from './library-fixtures.js';
import { runChild } from './lib/child.js';
import { repeat, round, summarize } from './lib/stats.js';
import type { BenchContext, Figure, Section, Target } from './lib/types.js';

interface LibraryRun {
  /** Library.start() until the start-up walk is done (verified). */
  ms: number;
  cpuMs: number;
  /** Library.start() until the index is served (equals `ms` without a usable snapshot). */
  readyMs: number;
  readyCpuMs: number;
  items: number;
  skipped: number;
  metadataReads: number;
  memory: { rss: number; heapUsed: number };
}
interface BareRun {
  ms: number;
  cpuMs: number;
  items: number;
  dated: number;
}

const MiB = 2 ** 20;

/** Cold index of the corpus by the real Library versus the bare stat + exifr loop. */
async function coldIndex(ctx: BenchContext) {
  const media = ctx.corpus.media;
  await runChild<BareRun>('index-child.ts', { env: { BENCH_MODE: 'bare', BENCH_MEDIA: media } }); // warm the page cache
  let count = { library: 0, bare: 0, skipped: 0 };
  // Five interleaved rounds at least: on a shared machine a single slow round moves a median of three.
  const runs = await repeat(Math.max(5, ctx.repeats), async () => {
    const bare = await runChild<BareRun>('index-child.ts', { env: { BENCH_MODE: 'bare', BENCH_MEDIA: media } });
    const data = await ctx.tempDir('cold-data-');
    const lib = await runChild<LibraryRun>('index-child.ts', { env: { BENCH_MEDIA: media, BENCH_DATA: data } });
    await rm(data, { recursive: true, force: true });
    count = { library: lib.items, bare: bare.items, skipped: lib.skipped };
    return {
      bare: (bare.items / bare.ms) * 1000,
      library: (lib.items / lib.ms) * 1000,
      ratio: lib.items / lib.ms / (bare.items / bare.ms),
      bareCpu: (bare.cpuMs / bare.items) * 1000,
      libraryCpu: (lib.cpuMs / lib.items) * 1000,
    };
  });
  return { runs, count };
}

/** Warm restart of a large library (snapshot present, nothing changed) in a fresh process. */
async function warmRestart(ctx: BenchContext, items: number, watch: boolean) {
  const lib = await largeLibrary(ctx, items);
  let reads = 0;
  let indexed = 0;
  const runs = await repeat(ctx.repeats, async () => {
    const run = await runChild<LibraryRun>('index-child.ts', {
      nodeArgs: ['--expose-gc'],
      env: { BENCH_MEDIA: lib.media, BENCH_DATA: lib.data, BENCH_WATCH: watch ? '1' : '0' },
    });
    reads = Math.max(reads, run.metadataReads);
    indexed = run.items;
    return {
      ms: run.readyMs,
      cpuMs: run.readyCpuMs,
      verifiedMs: run.ms,
      verifiedCpuMs: run.cpuMs,
      rss: run.memory.rss / MiB,
      heap: run.memory.heapUsed / MiB,
    };
  });
  return { runs, reads, indexed };
}

export async function runIndexBench(ctx: BenchContext): Promise<Section> {
  const figures: Figure[] = [];
  const targets: Target[] = [];
  const cold = await coldIndex(ctx);
  const files = `${cold.count.library} files indexed (${cold.count.skipped} skipped), ${cold.count.bare} in the bare loop`;
  figures.push({ name: 'cold index, real Library', unit: 'files/s', summary: cold.runs.library, note: files });
  figures.push({ name: 'cold index, bare stat + exifr loop (floor)', unit: 'files/s', summary: cold.runs.bare });
  figures.push({ name: 'cold index CPU time per file, real Library', unit: 'µs', summary: cold.runs.libraryCpu, note: 'main process CPU (user + system), independent of other load' });
  figures.push({ name: 'cold index CPU time per file, bare loop', unit: 'µs', summary: cold.runs.bareCpu });
  const coldRatio = cold.runs.ratio.median;
  targets.push({
    target: 'Cold index ≥ 0.8× the bare stat + exifr loop',
    met: coldRatio >= 0.8,
    measured: `${round(coldRatio, 2)}× (median of per-run ratios; ${round(cold.runs.library.median, 0)} vs ${round(cold.runs.bare.median, 0)} files/s)`,
  });

  const empty = await runChild<{ memory: { rss: number; heapUsed: number } }>('index-child.ts', { nodeArgs: ['--expose-gc'], env: { BENCH_MODE: 'empty' } });
  const perSize: Record<number, Awaited<ReturnType<typeof warmRestart>>> = {};
  const sizes = ctx.quick ? [20_000] : [20_000, 100_000];
  const largest = sizes[sizes.length - 1]!;
  for (const items of sizes) {
    ctx.log(`warm restart, ${items} items`);
    const warm = (perSize[items] = await warmRestart(ctx, items, true));
    const note = `${warm.indexed} items ready, ${warm.reads} files re-read (must be 0)`;
    figures.push({ name: `warm restart to ready, ${items / 1000}k items (watcher on)`, unit: 'ms', summary: warm.runs.ms, note });
    figures.push({ name: `CPU time to ready, ${items / 1000}k items`, unit: 'ms', summary: warm.runs.cpuMs, note: 'process CPU (user + system), independent of other load' });
    figures.push({ name: `warm restart until the start-up walk has verified the snapshot, ${items / 1000}k items`, unit: 'ms', summary: warm.runs.verifiedMs, note: 'served from ready on; changes found by the walk are announced as events' });
    figures.push({ name: `CPU time until verified, ${items / 1000}k items`, unit: 'ms', summary: warm.runs.verifiedCpuMs });
    figures.push({ name: `resident memory after ready, ${items / 1000}k items`, unit: 'MiB', summary: warm.runs.rss });
    figures.push({ name: `JS heap after ready, ${items / 1000}k items`, unit: 'MiB', summary: warm.runs.heap });
  }
  const k = `${largest / 1000}k`;
  const noWatch = await warmRestart(ctx, largest, false);
  figures.push({ name: `warm restart to ready, ${k} items (watcher off)`, unit: 'ms', summary: noWatch.runs.ms });
  figures.push({ name: `warm restart until verified, ${k} items (watcher off)`, unit: 'ms', summary: noWatch.runs.verifiedMs });
  figures.push({ name: `resident memory after ready, ${k} items (watcher off)`, unit: 'MiB', summary: noWatch.runs.rss });
  figures.push({ name: `JS heap after ready, ${k} items (watcher off)`, unit: 'MiB', summary: noWatch.runs.heap });

  const big = perSize[largest]!;
  const rss0 = empty.memory.rss / MiB;
  const heap0 = empty.memory.heapUsed / MiB;
  const perTenK = (runs: number[]) => summarize(runs.map((rss) => ((rss - rss0) / largest) * 10_000));
  figures.push({ name: `resident memory per 10k items, watcher on ((RSS at ${k} − empty process) ÷ ${largest / 10_000})`, unit: 'MiB', summary: perTenK(big.runs.rss.runs), note: `empty process RSS ${round(rss0)} MiB` });
  figures.push({ name: 'resident memory per 10k items, watcher off', unit: 'MiB', summary: perTenK(noWatch.runs.rss.runs) });
  const heapPerItem = (runs: number[]) => summarize(runs.map((h) => ((h - heap0) * MiB) / largest));
  const indexHeap = heapPerItem(noWatch.runs.heap.runs);
  figures.push({ name: `JS heap per item (${k}), watcher on`, unit: 'bytes', summary: heapPerItem(big.runs.heap.runs), note: 'includes chokidar state for every file' });
  figures.push({ name: `JS heap per item (${k}), watcher off: the index itself`, unit: 'bytes', summary: indexHeap });

  const atFull = largest === 100_000;
  const quickNote = 'not measured: --quick stops at 20k items';
  targets.push({
    target: 'Warm restart of 100k items ready in < 1.5 s',
    met: atFull ? big.runs.ms.median < 1500 : null,
    measured: atFull
      ? `${round(big.runs.ms.median, 0)} ms median with the watcher on (${round(noWatch.runs.ms.median, 0)} ms with it off; ${round(big.runs.cpuMs.median, 0)} ms CPU); ` +
        `the background walk verified the snapshot ${round(big.runs.verifiedMs.median, 0)} ms after start; ${big.reads} files re-read`
      : quickNote,
  });
  targets.push({
    target: 'Resident memory with 100k items indexed < 250 MiB',
    met: atFull ? big.runs.rss.median < 250 : null,
    measured: atFull
      ? `${round(big.runs.rss.median)} MiB RSS after ready and GC with the watcher on, ${round(noWatch.runs.rss.median)} MiB with it off (Library process, no HTTP server)`
      : quickNote,
  });
  targets.push({
    target: 'In-memory index ≤ 1 KiB per item',
    met: indexHeap.median <= 1024,
    measured: `${round(indexHeap.median, 0)} bytes of JS heap per item at ${k} with the watcher off (${round(heapPerItem(big.runs.heap.runs).median, 0)} with chokidar's per-file state)`,
  });
  return {
    id: 'index',
    title: 'Media index: cold index, warm restart, memory',
    status: 'ok',
    method:
      'Each measurement runs in a fresh child process. Cold: the real Library (watcher off, fresh data folder, readConcurrency 8) over the corpus versus a bare readdir + stat + exifr.parse loop with the same concurrency of 8, page cache warmed first. ' +
      'Warm restart: 20k / 100k hard links to the corpus JPEGs in folders of 500, with an index snapshot synthesised from the records the real Library wrote for their sources (own path and id per copy, dates shifted by whole weeks); time from Library.start() to ready (index served from the snapshot) and to verified (the start-up walk has compared size and mtime of every file), then RSS and heap after 3 forced GCs (node --expose-gc).',
    figures,
    ratios: [
      { name: 'cold index: Library ÷ bare loop', value: round(coldRatio, 3), note: 'files/s ratio; 1 = as fast as the floor' },
      { name: 'cold index CPU per file: Library ÷ bare loop', value: round(cold.runs.libraryCpu.median / cold.runs.bareCpu.median, 3), note: '> 1: the Library spends more CPU per file than the floor' },
    ],
    targets,
  };
}

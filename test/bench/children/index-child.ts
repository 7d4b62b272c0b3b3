/**
 * Runs one indexing measurement in a fresh process, so timings and resident memory are
 * not polluted by the benchmark harness. Prints one JSON line with the result.
 *   mode=library: the real Library over MEDIA with data folder DATA (cold or warm start);
 *                 `ms` until the start-up walk is done, `readyMs` until the index is served
 *   mode=bare:    the floor, a bare walk + stat + exifr loop at the same concurrency
 *   mode=empty:   nothing loaded, the baseline for memory per item
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import exifr from 'exifr';
import { EventBus } from '../../../server/events/bus.js';
import { Library } from '../../../server/media/library.js';
import { createLogger } from '../../../server/ops/logger.js';
import { Limiter } from '../../../server/util/limiter.js';

const CONCURRENCY = 8; // the Library's default readConcurrency
const env = process.env;
const mode = env.BENCH_MODE ?? 'library';
const media = env.BENCH_MEDIA ?? '';
const data = env.BENCH_DATA ?? '';

async function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

async function library() {
  const lib = new Library({
    mediaDir: media,
    dataDir: data,
    zone: 'UTC',
    watch: { enabled: env.BENCH_WATCH === '1', settleMs: 300, usePolling: false },
    bus: new EventBus(),
    log: createLogger({ level: 'silent', format: 'json' }),
    readConcurrency: CONCURRENCY,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Ready (served) and verified (walk done) differ only on a warm start with a snapshot.
  let ready = { ms: 0, cpuMs: 0 };
  void lib.ready.then(() => (ready = { ms: performance.now() - t0, cpuMs: cpuSince(cpu0) }));
  await lib.start();
  const ms = performance.now() - t0;
  const cpuMs = cpuSince(cpu0);
  // The snapshot written right after ready holds a copy of the index as JSON: let it finish
  // so the figure shows the steady state, not that transient.
  await lib.saveSnapshot();
  const result = { ms, cpuMs, readyMs: ready.ms, readyCpuMs: ready.cpuMs, items: lib.index.size, skipped: lib.skipped.size, metadataReads: lib.prober.metadataReads, memory: await memory() };
  await lib.close();
  return result;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function bare() {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const entries = await readdir(media, { recursive: true, withFileTypes: true });
  const limiter = new Limiter(CONCURRENCY);
  let dated = 0;
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.'));
  await Promise.all(
    files.map((entry) =>
      limiter.run(async () => {
        const abs = path.join(entry.parentPath, entry.name);
        await stat(abs);
        const tags = (await exifr
          .parse(abs, { pick: ['DateTimeOriginal', 'OffsetTimeOriginal', 'Make', 'Model', 'Orientation'], reviveValues: false })
          .catch(() => null)) as Record<string, unknown> | null;
        if (tags?.DateTimeOriginal) dated++;
      }),
    ),
  );
  return { ms: performance.now() - t0, cpuMs: cpuSince(cpu0), items: files.length, dated };
}

const result = mode === 'bare' ? await bare() : mode === 'empty' ? { memory: await memory() } : await library();
process.stdout.write(JSON.stringify(result) + '\n');

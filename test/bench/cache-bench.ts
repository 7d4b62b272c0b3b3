import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { S3FifoCache } from '../../server/thumbs/s3-fifo-cache.js';
import { intBetween, normal, seeded, zipfSampler, type Rng } from './lib/rng.js';
import { repeat, round } from './lib/stats.js';
import type { BenchContext, Figure, Ratio, Section } from './lib/types.js';

const ITEMS = 20_000;
const REQUESTS = 300_000;
const SEED = 8;
const PAGE = 24; // thumbnails on one phone screen
const fractions = [0.05, 0.1, 0.25];

interface Trace {
  name: string;
  keys: Uint32Array;
}

/** Small-thumbnail sizes: WebP at 400 px, log-normal around 22 KiB (10–50 KiB). */
function thumbSizes(rng: Rng): Uint32Array {
  return Uint32Array.from({ length: ITEMS }, () => Math.round(22_528 * Math.exp(0.35 * normal(rng))));
}

function zipfTrace(s: number): Trace {
  const rng = seeded(SEED * 100 + Math.round(s * 10));
  const sample = zipfSampler(rng, ITEMS, s);
  // Popularity is unrelated to position in the timeline: shuffle rank → item.
  const perm = Uint32Array.from({ length: ITEMS }, (_, i) => i);
  for (let i = ITEMS - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return { name: `Zipf ${s.toFixed(1)}`, keys: Uint32Array.from({ length: REQUESTS }, () => perm[sample()]!) };
}

/**
 * Family members scrolling the timeline (item 0 = newest): most sessions start at the
 * top, some jump with the scrubber; they scroll down a screen at a time, often back up a
 * few screens (revisits), and stop after a while. One long scroll touches thousands of
 * thumbnails once, which is what flushes an LRU.
 */
function scrollTrace(): Trace {
  const rng = seeded(SEED);
  const jump = zipfSampler(rng, ITEMS / PAGE, 0.6);
  const keys: number[] = [];
  while (keys.length < REQUESTS) {
    let screen = rng() < 0.6 ? 0 : jump();
    const length = Math.ceil(-Math.log(Math.max(rng(), 1e-9)) * 25); // geometric, mean ≈ 25 screens
    for (let step = 0; step < length && keys.length < REQUESTS; step++) {
      const first = screen * PAGE;
      for (let k = first; k < Math.min(first + PAGE, ITEMS); k++) keys.push(k);
      screen = rng() < 0.2 ? Math.max(0, screen - intBetween(rng, 1, 4)) : Math.min(screen + 1, ITEMS / PAGE - 1);
    }
  }
  return { name: 'timeline scroll with revisits', keys: Uint32Array.from(keys.slice(0, REQUESTS)) };
}

interface Policy {
  name: string;
  make(maxSize: number): { get(k: number): number | undefined; set(k: number, v: number): unknown };
}

const policies: Policy[] = [
  { name: 'lru-cache', make: (maxSize) => new LRUCache<number, number>({ maxSize, sizeCalculation: (v) => v }) },
  { name: 'S3-FIFO', make: (maxSize) => new S3FifoCache<number, number>({ maxSize, sizeCalculation: (v) => v }) },
];

/** Byte hit ratio: bytes served from the cache ÷ bytes requested (a miss renders, then caches). */
function simulate(policy: Policy, trace: Trace, sizes: Uint32Array, maxSize: number): number {
  const cache = policy.make(maxSize);
  let hit = 0;
  let total = 0;
  for (const key of trace.keys) {
    const size = sizes[key]!;
    total += size;
    if (cache.get(key) !== undefined) hit += size;
    else cache.set(key, size);
  }
  return hit / total;
}

export async function runCacheBench(ctx: BenchContext): Promise<Section> {
  const sizes = thumbSizes(seeded(SEED + 1));
  const totalBytes = sizes.reduce((s, n) => s + n, 0);
  const traces = [zipfTrace(0.8), zipfTrace(1.0), zipfTrace(1.2), scrollTrace()];
  const rows = ['| trace | capacity | lru-cache byte hit % | S3-FIFO byte hit % | S3-FIFO − LRU (points) |', '|---|---|---|---|---|'];
  const ratios: Ratio[] = [];
  for (const trace of traces) {
    for (const fraction of fractions) {
      const maxSize = Math.round(totalBytes * fraction);
      const [lru, s3] = policies.map((p) => simulate(p, trace, sizes, maxSize)) as [number, number];
      const capacity = `${fraction * 100} % (${round(maxSize / 2 ** 20)} MiB)`;
      rows.push(`| ${trace.name} | ${capacity} | ${round(lru * 100, 2)} | ${round(s3 * 100, 2)} | ${round((s3 - lru) * 100, 2)} |`);
      ratios.push({ name: `${trace.name}, ${capacity}: S3-FIFO ÷ LRU byte hit ratio`, value: round(s3 / lru, 3), note: '> 1: S3-FIFO serves more bytes from memory' });
    }
  }
  const scroll = traces[3]!;
  const timing = await repeat(ctx.repeats, async () => {
    const out: Record<string, number> = {};
    for (const policy of policies) {
      const t0 = performance.now();
      simulate(policy, scroll, sizes, Math.round(totalBytes * 0.1));
      out[policy.name] = (REQUESTS / (performance.now() - t0)) * 1000;
    }
    return out;
  });
  const figures: Figure[] = policies.map((p) => ({ name: `${p.name} get/set, scroll trace at 10 %`, unit: 'requests/s', summary: timing[p.name]! }));
  return {
    id: 'cache',
    title: 'Thumbnail memory cache: lru-cache vs S3-FIFO',
    status: 'ok',
    method:
      `${ITEMS.toLocaleString('en-US')} small thumbnails (log-normal sizes around 22 KiB, ${round(totalBytes / 2 ** 20)} MiB in all), ${REQUESTS.toLocaleString('en-US')} requests per trace, fixed seeds; ` +
      'both caches bounded in bytes at the same capacity (lru-cache maxSize + sizeCalculation; S3-FIFO with a 10 % small queue and a ghost queue). Hit ratios are deterministic (one run each); only the speed figures repeat. ' +
      'The default thumbnails.memoryCacheBytes (64 MiB) is about 14 % of this library.',
    figures,
    ratios,
    targets: [],
    markdown: rows.join('\n'),
  };
}

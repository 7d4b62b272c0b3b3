/**
 * Thumbnail benchmark: spis' pre-generation path vs bare sharp on the same generated
 * 12-megapixel JPEGs at the same concurrency (alternating rounds, same process), cached
 * thumbnail requests per second over HTTP (autocannon against a spis child process), and
 * peak resident memory during pre-generation.
 *
 *   node --import tsx test/bench/thumbs.ts [--files 200] [--concurrency 2] [--rounds 2] [--duration 10]
 *
 * `npm run bench` imports `runThumbsBench(opts)`; it returns the figures as an object.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createSpis } from '../../server/app.js';
import { loadConfig } from '../../server/config/load.js';
import type { MediaPage } from '../../server/shared/api-types.js';
import { startChild } from './lib/child.js';
import { load } from './lib/load.js';
import { round, summarize } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';

export interface ThumbsBenchOptions {
  /** 12-megapixel JPEGs to thumbnail per round. */
  files: number;
  concurrency: number;
  /** Alternating bare-sharp / spis rounds; medians are reported. */
  rounds: number;
  /** Seconds of autocannon load on one cached thumbnail. */
  durationS: number;
  connections: number;
  log: (message: string) => void;
  /** A folder for generated files (the bench runner passes its own); removed unless given. */
  tempDir?: (prefix: string) => Promise<string>;
  quick?: boolean;
}

export interface ThumbsBenchResult {
  files: number;
  megapixels: number;
  concurrency: number;
  rounds: number;
  bareSharpPerSecond: number;
  spisPerSecond: number;
  /** spis ÷ bare sharp (target ≥ 0.9). */
  ratio: number;
  roundsDetail: Array<{ bare: number; spis: number }>;
  peakRssMiB: number;
  rssBeforeMiB: number;
  cachedRequestsPerSecond: number;
  cachedP99Ms: number;
  cachedNon2xx: number;
  /** Server CPU time per cached request, and its inverse: independent of other load on the machine. */
  cachedServerCpuMsPerRequest: number;
  cachedRequestsPerCpuSecond: number;
  connections: number;
  loadAverage: [number, number];
}

const WIDTH = 4000;
const HEIGHT = 3000;

export async function runThumbsBench(input: Partial<ThumbsBenchOptions> = {}): Promise<ThumbsBenchResult> {
  const opts: ThumbsBenchOptions = {
    files: input.files ?? (input.quick ? 60 : 200),
    concurrency: input.concurrency ?? 2,
    rounds: input.rounds ?? 2,
    durationS: input.durationS ?? (input.quick ? 5 : 10),
    connections: input.connections ?? 50,
    log: input.log ?? ((message) => console.error(message)),
    ...(input.tempDir ? { tempDir: input.tempDir } : {}),
  };
  const ownRoot = opts.tempDir ? null : await mkdtemp(path.join(tmpdir(), 'spis-thumbs-bench-'));
  const folder = async (prefix: string) =>
    opts.tempDir ? opts.tempDir(prefix) : mkdtemp(path.join(ownRoot!, prefix));
  const load0 = loadavg()[0]!;
  try {
    const media = await folder('media-');
    opts.log(`thumbs bench: generating ${opts.files} ${WIDTH}×${HEIGHT} JPEGs`);
    const files = await makeJpegs(media, opts.files);
    const roundsDetail: Array<{ bare: number; spis: number }> = [];
    let peakRss = 0;
    let rssBefore = 0;
    let lastData = '';
    for (let round = 0; round < opts.rounds; round++) {
      const bare = await bareSharp(files, await folder('bare-'), opts.concurrency);
      lastData = await folder('data-');
      const spis = await spisPregeneration(media, lastData, opts.concurrency, files.length);
      peakRss = Math.max(peakRss, spis.peakRss);
      rssBefore = spis.rssBefore;
      roundsDetail.push({ bare: round2(bare), spis: round2(spis.perSecond) });
      opts.log(`  round ${round + 1}: bare sharp ${round2(bare)}/s, spis ${round2(spis.perSecond)}/s`);
    }
    const cached = await cachedRequests(media, lastData, opts);
    const bareMedian = median(roundsDetail.map((r) => r.bare));
    const spisMedian = median(roundsDetail.map((r) => r.spis));
    return {
      files: files.length,
      megapixels: (WIDTH * HEIGHT) / 1e6,
      concurrency: opts.concurrency,
      rounds: opts.rounds,
      bareSharpPerSecond: bareMedian,
      spisPerSecond: spisMedian,
      ratio: Math.round((spisMedian / bareMedian) * 1000) / 1000,
      roundsDetail,
      peakRssMiB: Math.round(peakRss / 1048576),
      rssBeforeMiB: Math.round(rssBefore / 1048576),
      cachedRequestsPerSecond: Math.round(cached.rps),
      cachedP99Ms: cached.p99,
      cachedNon2xx: cached.non2xx,
      cachedServerCpuMsPerRequest: Math.round(cached.cpuMsPerRequest * 1000) / 1000,
      cachedRequestsPerCpuSecond: Math.round(1000 / cached.cpuMsPerRequest),
      connections: opts.connections,
      loadAverage: [round2(load0), round2(loadavg()[0]!)],
    };
  } finally {
    if (ownRoot) await rm(ownRoot, { recursive: true, force: true });
  }
}

/** A few distinct photo-like frames (gradient + noise, compresses like a photo), copied N times. */
async function makeJpegs(media: string, count: number): Promise<string[]> {
  const bases: Buffer[] = [];
  for (let variant = 0; variant < 3; variant++) {
    const gradient = await sharp({ create: { width: 4, height: 3, channels: 3, background: { r: 40 + variant * 60, g: 120, b: 200 - variant * 50 } } })
      .composite([{ input: Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255]), raw: { width: 3, height: 1, channels: 3 }, top: 1, left: 0 }])
      .raw()
      .toBuffer();
    const smooth = await sharp(gradient, { raw: { width: 4, height: 3, channels: 3 } }).resize(WIDTH, HEIGHT, { kernel: 'cubic' }).png().toBuffer();
    bases.push(
      await sharp(smooth)
        .composite([{ input: { create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 0, sigma: 20 } } }, blend: 'overlay' }])
        .jpeg({ quality: 88 })
        .withMetadata({ orientation: variant === 2 ? 6 : 1 })
        .toBuffer(),
    );
  }
  const files: string[] = [];
  await mkdir(path.join(media, 'photos'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const file = path.join(media, 'photos', `IMG_${String(i).padStart(5, '0')}.jpg`);
    await writeFile(file, bases[i % bases.length]!);
    files.push(file);
  }
  return files;
}

/** The peer: the same rendition with sharp directly, written to disk, same concurrency. */
async function bareSharp(files: string[], out: string, concurrency: number): Promise<number> {
  const t0 = performance.now();
  await pool(files, concurrency, async (file, index) => {
    const data = await sharp(file, { failOn: 'truncated', sequentialRead: true })
      .autoOrient()
      .resize({ width: 400, height: 400, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80, effort: 3 })
      .toBuffer();
    await writeFile(path.join(out, `${index}.webp`), data);
  });
  return files.length / ((performance.now() - t0) / 1000);
}

/** spis itself: index the folder, then time the background pre-generation until idle. */
async function spisPregeneration(media: string, data: string, concurrency: number, expected: number) {
  const { config } = loadConfig({
    env: {},
    overrides: {
      media, data, port: 0, timezone: 'UTC', log: { level: 'silent', format: 'json' },
      watch: { enabled: false }, thumbnails: { concurrency, pregenerate: true },
    },
  });
  const spis = await createSpis(config);
  try {
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    await spis.start();
    const t0 = performance.now();
    await spis.thumbs.queue.idle();
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const { done } = spis.thumbs.queue.status();
    if (done !== expected) throw new Error(`spis pre-generated ${done} thumbnails, expected ${expected}`);
    return { perSecond: done / seconds, peakRss, rssBefore };
  } finally {
    await spis.close();
  }
}

/** One cached small thumbnail, requested over and over by autocannon from this process. */
async function cachedRequests(media: string, data: string, opts: ThumbsBenchOptions) {
  const server = await startChild<{ port: number }>('serve-child.mjs', {
    env: { BENCH_CONFIG: JSON.stringify({ media, data, watch: { enabled: false }, thumbnails: { pregenerate: false } }) },
  });
  try {
    const base = `http://127.0.0.1:${server.info.port}`;
    const page = (await (await fetch(`${base}/api/media?limit=1`)).json()) as MediaPage;
    const url = base + page.items[0]!.thumbs.small;
    const headers = { accept: 'image/avif,image/webp,*/*' };
    await fetch(url, { headers }).then((response) => response.arrayBuffer()); // warm the memory cache
    opts.log(`  cached thumbnail: ${opts.connections} connections for ${opts.durationS} s`);
    const cpu0 = await server.cpuMs();
    const result = await load(url, opts.connections, opts.durationS, headers);
    // Server CPU per request: what the machine could serve if spis had both cores to itself.
    const cpuMsPerRequest = (await server.cpuMs() - cpu0) / Math.max(1, result.rps * opts.durationS);
    return { ...result, cpuMsPerRequest };
  } finally {
    await server.stop();
  }
}

async function pool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return round2(sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
};
const round2 = (n: number) => Math.round(n * 100) / 100;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      files: { type: 'string' },
      concurrency: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      quick: { type: 'boolean' },
    },
  });
  const result = await runThumbsBench({
    ...(values.files ? { files: Number(values.files) } : {}),
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    ...(values.duration ? { durationS: Number(values.duration) } : {}),
    quick: values.quick ?? false,
  });
  console.log(JSON.stringify(result, null, 2));
}

/** The `npm run bench` section: the figures above as a report section with its two targets. */
export async function runThumbsBenchSection(ctx: BenchContext): Promise<Section> {
  const r = await runThumbsBench({ quick: ctx.quick, rounds: ctx.repeats, log: ctx.log, tempDir: (prefix) => ctx.tempDir(prefix) });
  const one = (value: number) => summarize([value]);
  const verdict = (met: boolean) => (ctx.quick ? null : met);
  return {
    id: 'thumbs',
    title: 'Thumbnails: spis vs bare sharp, cached requests',
    status: 'ok',
    method:
      `${r.files} generated ${r.megapixels}-megapixel JPEGs (gradient + noise, one in three with EXIF orientation 6) to the small WebP rendition at concurrency ${r.concurrency}, ` +
      `bare sharp (resize + encode + write) and spis' background pre-generation (render, atomic write with fsync, thumbhash placeholder, index update) in alternating rounds in one process; ` +
      `cached: autocannon, ${r.connections} connections, ${ctx.quick ? 5 : 10} s on one small thumbnail of a spis child process.`,
    figures: [
      { name: 'bare sharp', unit: 'thumbnails/s', summary: summarize(r.roundsDetail.map((x) => x.bare)) },
      { name: 'spis pre-generation', unit: 'thumbnails/s', summary: summarize(r.roundsDetail.map((x) => x.spis)) },
      { name: 'peak resident memory during pre-generation', unit: 'MiB', summary: one(r.peakRssMiB), note: `${r.rssBeforeMiB} MiB before it started (bench process)` },
      { name: 'cached thumbnail requests', unit: 'requests/s', summary: one(r.cachedRequestsPerSecond), note: `p99 ${r.cachedP99Ms} ms, ${r.cachedNon2xx} non-2xx` },
      { name: 'server CPU per cached request', unit: 'ms', summary: one(r.cachedServerCpuMsPerRequest), note: `about ${r.cachedRequestsPerCpuSecond} requests per CPU-second` },
    ],
    ratios: [{ name: 'spis ÷ bare sharp (thumbnails/s, median of rounds)', value: r.ratio, note: '≥ 0.9 meets the target' }],
    targets: [
      {
        target: 'Thumbnail generation ≥ 0.9× bare sharp on the same files and concurrency',
        met: verdict(r.ratio >= 0.9),
        measured:
          `${r.ratio}× (${r.spisPerSecond} vs ${r.bareSharpPerSecond} thumbnails/s; rounds ${r.roundsDetail.map((x) => round(x.spis / x.bare, 2)).join(', ')})` +
          (r.ratio >= 0.9 ? '' : '; spis also fsyncs and renames each file, computes its thumbhash and updates the index, which bare sharp does not'),
      },
      {
        target: 'A cached thumbnail served at > 5,000 req/s on 2 cores',
        met: verdict(r.cachedRequestsPerSecond > 5000 && r.cachedNon2xx === 0),
        measured: `${r.cachedRequestsPerSecond} req/s, p99 ${r.cachedP99Ms} ms, load generator on the same 2 cores`,
      },
    ],
  };
}

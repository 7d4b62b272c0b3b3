import { execFile } from 'node:child_process';
import { link, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { intBetween, normal, pick, seeded, type Rng } from './rng.js';
import type { Corpus, CorpusFile } from './types.js';

const run = promisify(execFile);

/** What a corpus is made of; the manifest stores it, and a matching manifest means reuse. */
export interface CorpusSpec {
  generator: number;
  seed: number;
  jpegs: number;
  pngs: number;
  heics: number;
  videos: number;
}

export const corpusSpecs = {
  quick: { generator: 1, seed: 20231114, jpegs: 400, pngs: 30, heics: 2, videos: 1 },
  full: { generator: 1, seed: 20231114, jpegs: 2000, pngs: 120, heics: 6, videos: 3 },
} satisfies Record<string, CorpusSpec>;

/** Camera-like frame sizes with the share of the corpus each takes. */
const jpegSizes = [
  { width: 4032, height: 3024, share: 0.15 },
  { width: 3024, height: 4032, share: 0.05 },
  { width: 2048, height: 1536, share: 0.45 },
  { width: 1600, height: 1200, share: 0.35 },
];
const VARIANTS = 3;
const offsets = ['+02:00', '+01:00', '+00:00', '-05:00', '-07:00', '+09:00', '+05:30'];
const cameras = [['Apple', 'iPhone 13'], ['Google', 'Pixel 7'], ['SONY', 'ILCE-7M3'], ['Canon', 'Canon EOS R6']];

/** Loads the corpus described by `spec` under `dir`, generating it when the manifest differs. */
export async function ensureCorpus(dir: string, spec: CorpusSpec, log: (m: string) => void): Promise<Corpus> {
  const manifestPath = path.join(dir, 'manifest.json');
  const existing = await readFile(manifestPath, 'utf8').then((t) => JSON.parse(t) as { spec: CorpusSpec; files: CorpusFile[] }, () => null);
  const media = path.join(dir, 'media');
  if (existing && JSON.stringify(existing.spec) === JSON.stringify(spec) && (await allPresent(media, existing.files))) {
    return { dir, media, files: existing.files, seed: spec.seed, reused: true };
  }
  log(`generating corpus in ${path.relative(process.cwd(), dir)} (seed ${spec.seed})`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(media, { recursive: true });
  const rng = seeded(spec.seed);
  const files = [
    ...(await makeJpegs(media, spec.jpegs, rng)),
    ...(await makePngs(media, spec.pngs, rng)),
    ...(await makeHeics(media, spec.heics, rng)),
    ...(await makeVideos(media, spec.videos, rng)),
  ];
  await writeFile(manifestPath, JSON.stringify({ spec, files }, null, 1));
  return { dir, media, files, seed: spec.seed, reused: false };
}

async function allPresent(media: string, files: CorpusFile[]): Promise<boolean> {
  for (const file of files) {
    const info = await stat(path.join(media, file.rel)).catch(() => null);
    if (!info || info.size !== file.bytes) return false;
  }
  return true;
}

/** Smooth gradient plus gaussian noise: compresses like a real photo, unlike flat colour. */
async function photoLike(width: number, height: number, rng: Rng): Promise<Buffer> {
  const [r0, g0, b0, r1, g1, b1] = Array.from({ length: 6 }, () => intBetween(rng, 20, 235));
  const small = Buffer.alloc(16 * 12 * 3);
  for (let y = 0; y < 12; y++) {
    for (let x = 0; x < 16; x++) {
      const t = (x / 15 + y / 11) / 2;
      const wobble = () => normal(rng) * 25;
      const at = (y * 16 + x) * 3;
      small[at] = clamp(r0! + (r1! - r0!) * t + wobble());
      small[at + 1] = clamp(g0! + (g1! - g0!) * t + wobble());
      small[at + 2] = clamp(b0! + (b1! - b0!) * t + wobble());
    }
  }
  const base = await sharp(small, { raw: { width: 16, height: 12, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).raw().toBuffer();
  const noise = await sharp({ create: { width, height, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 18 } } }).raw().toBuffer();
  for (let i = 0; i < base.length; i++) base[i] = clamp(base[i]! + noise[i]! - 128);
  return sharp(base, { raw: { width, height, channels: 3 } }).jpeg({ quality: 88 }).toBuffer();
}

const clamp = (n: number) => Math.max(0, Math.min(255, Math.round(n)));

interface Taken {
  date: Date;
  exif: string;
  offset: string;
}

function randomTaken(rng: Rng): Taken {
  const from = Date.UTC(2012, 0, 1);
  const to = Date.UTC(2025, 11, 31);
  const date = new Date(from + Math.floor(rng() * (to - from) / 1000) * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const exif = `${date.getUTCFullYear()}:${p(date.getUTCMonth() + 1)}:${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`;
  return { date, exif, offset: pick(rng, offsets) };
}

/** The APP1 (EXIF) segment sharp writes for these tags, cut out of a tiny JPEG. */
async function exifSegment(taken: Taken, camera: string[], orientation: number, serial: number): Promise<Buffer> {
  const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .jpeg()
    .withExif({
      IFD0: { Make: camera[0]!, Model: camera[1]!, Orientation: String(orientation), ImageDescription: `spis bench ${serial}` },
      IFD2: { DateTimeOriginal: taken.exif, OffsetTimeOriginal: taken.offset, SubSecTimeOriginal: String(serial % 1000) },
    })
    .toBuffer();
  for (let at = 2; at + 4 < tiny.length; ) {
    const marker = tiny.readUInt16BE(at);
    const length = tiny.readUInt16BE(at + 2);
    if (marker === 0xffe1) return tiny.subarray(at, at + 2 + length);
    at += 2 + length;
  }
  throw new Error('sharp wrote no EXIF segment');
}

/**
 * Encoding thousands of 12-megapixel photos would take most of the time budget, so a few
 * distinct photo-like frames per size are encoded once and each file gets its own EXIF
 * segment (date, offset, camera, serial) spliced in: realistic sizes, headers and dates.
 */
async function makeJpegs(media: string, count: number, rng: Rng): Promise<CorpusFile[]> {
  const bases = [];
  for (const size of jpegSizes) {
    for (let v = 0; v < VARIANTS; v++) bases.push({ ...size, jpeg: await photoLike(size.width, size.height, rng) });
  }
  const files: CorpusFile[] = [];
  for (let i = 0; i < count; i++) {
    const size = weighted(rng, jpegSizes);
    const base = bases[jpegSizes.indexOf(size) * VARIANTS + intBetween(rng, 0, VARIANTS - 1)]!;
    const taken = randomTaken(rng);
    const orientation = rng() < 0.08 ? 6 : 1;
    const segment = await exifSegment(taken, pick(rng, cameras), orientation, i);
    const bytes = Buffer.concat([base.jpeg.subarray(0, 2), segment, base.jpeg.subarray(2)]);
    const rel = `${taken.date.getUTCFullYear()}/${String(taken.date.getUTCMonth() + 1).padStart(2, '0')}/IMG_${String(i).padStart(5, '0')}.jpg`;
    await put(media, rel, bytes, taken.date);
    const swap = orientation >= 5;
    files.push({ rel, kind: 'jpeg', width: swap ? size.height : size.width, height: swap ? size.width : size.height, bytes: bytes.length });
  }
  return files;
}

function weighted<T extends { share: number }>(rng: Rng, items: readonly T[]): T {
  let u = rng();
  for (const item of items) if ((u -= item.share) <= 0) return item;
  return items[items.length - 1]!;
}

async function put(media: string, rel: string, bytes: Buffer, mtime: Date): Promise<void> {
  const abs = path.join(media, rel);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, bytes);
  await utimes(abs, mtime, mtime);
}

/** Screenshots: PNG, no EXIF, the date only in the file name. */
async function makePngs(media: string, count: number, rng: Rng): Promise<CorpusFile[]> {
  const files: CorpusFile[] = [];
  for (let i = 0; i < count; i++) {
    const taken = randomTaken(rng);
    const raw = await sharp(await photoLike(640, 480, rng)).raw().toBuffer();
    const bytes = await sharp(raw, { raw: { width: 640, height: 480, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
    const stamp = taken.exif.replace(/:/g, '').replace(' ', '_');
    await put(media, `Screenshots/Screenshot_${stamp}_${i}.png`, bytes, taken.date);
    files.push({ rel: `Screenshots/Screenshot_${stamp}_${i}.png`, kind: 'png', width: 640, height: 480, bytes: bytes.length });
  }
  return files;
}

async function makeHeics(media: string, count: number, rng: Rng): Promise<CorpusFile[]> {
  const files: CorpusFile[] = [];
  await mkdir(path.join(media, 'heic'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const png = path.join(media, 'heic', `.src-${i}.png`);
    await sharp(await photoLike(1280, 960, rng)).png().toFile(png);
    const rel = `heic/IMG_${String(9000 + i)}.heic`;
    await run('heif-enc', ['-q', '60', '-o', path.join(media, rel), png]);
    await rm(png);
    const info = await stat(path.join(media, rel));
    files.push({ rel, kind: 'heic', width: 1280, height: 960, bytes: info.size });
  }
  return files;
}

async function makeVideos(media: string, count: number, rng: Rng): Promise<CorpusFile[]> {
  const files: CorpusFile[] = [];
  await mkdir(path.join(media, 'video'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const taken = randomTaken(rng);
    const rel = `video/VID_${taken.exif.slice(0, 10).replace(/:/g, '')}_${i}.mp4`;
    const created = taken.date.toISOString();
    await run('ffmpeg', [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=2`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-metadata', `creation_time=${created}`,
      path.join(media, rel),
    ]);
    const info = await stat(path.join(media, rel));
    files.push({ rel, kind: 'video', width: 640, height: 360, bytes: info.size });
  }
  return files;
}

/**
 * `count` hard links to the corpus JPEGs under `farm/` (`perFolder` per folder): a large
 * library for restart and listing benchmarks without the disk space of real copies. Links
 * share size and mtime with their source, so a snapshot built from the sources fits them.
 */
export async function ensureLinkFarm(corpus: Corpus, farm: string, count: number, perFolder = 500): Promise<Array<{ rel: string; source: string }>> {
  const sources = corpus.files.filter((f) => f.kind === 'jpeg');
  const links = Array.from({ length: count }, (_, i) => ({
    rel: `f${String(Math.floor(i / perFolder)).padStart(4, '0')}/P${String(i).padStart(6, '0')}.jpg`,
    source: sources[i % sources.length]!.rel,
  }));
  const marker = path.join(farm, `.complete-${count}`);
  if (await stat(marker).catch(() => null)) return links;
  await rm(farm, { recursive: true, force: true });
  let folder = '';
  for (const { rel, source } of links) {
    const dir = rel.slice(0, rel.indexOf('/'));
    if (dir !== folder) await mkdir(path.join(farm, (folder = dir)), { recursive: true });
    await link(path.join(corpus.media, source), path.join(farm, rel));
  }
  await writeFile(marker, '');
  return links;
}

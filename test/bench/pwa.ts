/**
 * PWA benchmark: time to first thumbnails on a 20,000-item library, bytes shipped, and the
 * DOM size and JS heap after scrolling through 5,000 items, in headless Chromium on a phone
 * profile. Standalone: `node --import tsx test/bench/pwa.ts [--items=20000] [--scroll=5000] [--repeats=3]`.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { ensureWebBuilt, openBrowser, PHONE, writeLibrary } from '../helpers/browser.js';
import { startTestServer, tempDir } from '../helpers/spis.js';
import { round, summarize, type Summary } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const publicDir = path.resolve(here, '../../public');
const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export interface PwaBenchOptions {
  items?: number;
  scrollItems?: number;
  repeats?: number;
  log?: (message: string) => void;
}

export interface PwaBenchResult {
  items: number;
  /** ms from navigation start to the first thumbnail image loaded, fresh browser profile. */
  firstThumbColdServerMs: number;
  firstThumbMs: Summary;
  /** Second visit in the same profile: the service worker serves the shell. */
  firstThumbRepeatVisitMs: Summary;
  bytes: Record<'js' | 'css' | 'sw', { raw: number; gzip: number; brotli: number }>;
  afterScroll: { loadedItems: number; domNodes: number; tileElements: number; jsHeapUsedBytes: number };
}

/** Records when the first thumbnail finished loading (a capture listener: load does not bubble). */
const FIRST_THUMB_PROBE = `document.addEventListener('load', (e) => {
  if (!window.__firstThumb && e.target.closest && e.target.closest('.tile')) window.__firstThumb = performance.now();
}, true);`;

async function firstThumb(page: Page, url: string): Promise<number> {
  await page.goto(url);
  for (let i = 0; i < 1500; i++) {
    const at = (await page.evaluate('window.__firstThumb ?? 0')) as number;
    if (at) return at;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no thumbnail loaded within 30 s');
}

async function shippedBytes(): Promise<PwaBenchResult['bytes']> {
  const files = await readdir(path.join(publicDir, 'app'));
  const measure = async (names: string[]) => {
    const out = { raw: 0, gzip: 0, brotli: 0 };
    for (const name of names) {
      const body = await readFile(name);
      out.raw += body.length;
      out.gzip += (await gzip(body, { level: 9 })).length;
      out.brotli += (await brotli(body)).length;
    }
    return out;
  };
  const inApp = (ext: string) => files.filter((f) => f.endsWith(ext)).map((f) => path.join(publicDir, 'app', f));
  return { js: await measure(inApp('.js')), css: await measure(inApp('.css')), sw: await measure([path.join(publicDir, 'sw.js')]) };
}

async function scrollThrough(page: Page, target: number): Promise<PwaBenchResult['afterScroll']> {
  const size = () => page.evaluate('window.spis.app.loader.store.size') as Promise<number>;
  while ((await size()) < target) {
    const before = await size();
    // The end of what is loaded, as a reader scrolling on would reach it (below is an estimate).
    await page.evaluate('window.scrollTo(0, window.spis.timeline.loadedBottom - window.innerHeight)');
    for (let i = 0; i < 500 && (await size()) === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    if ((await size()) === before) throw new Error(`scrolling stalled at ${before} items`);
  }
  await page.evaluate('window.scrollTo(0, window.spis.timeline.loadedBottom - window.innerHeight)');
  await page.evaluate('new Promise((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(r)), 300))');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  const counts = (await page.evaluate("({ nodes: document.querySelectorAll('*').length, tiles: document.querySelectorAll('.tile').length })")) as { nodes: number; tiles: number };
  return { loadedItems: await size(), domNodes: counts.nodes, tileElements: counts.tiles, jsHeapUsedBytes: metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN };
}

export async function runPwaBench(opts: PwaBenchOptions = {}): Promise<PwaBenchResult> {
  const { items = 20_000, scrollItems = 5000, repeats = 3, log = () => undefined } = opts;
  await ensureWebBuilt();
  const media = await tempDir('spis-bench-pwa-');
  log(`pwa: writing ${items} JPEGs`);
  await writeLibrary(media.dir, { count: items, months: 60, perFolder: 1000 });
  log('pwa: indexing');
  const server = await startTestServer({ media: media.dir, config: { thumbnails: { pregenerate: false }, log: { level: 'warn' } } });
  try {
    const measureOnce = async (repeat: boolean) => {
      const session = await openBrowser(PHONE);
      try {
        await session.page.addInitScript(FIRST_THUMB_PROBE);
        const first = await firstThumb(session.page, server.url);
        if (!repeat) return { first, again: NaN };
        await session.page.evaluate("navigator.serviceWorker.ready.then(() => new Promise((r) => setTimeout(r, 500)))");
        return { first, again: await firstThumb(session.page, server.url) };
      } finally {
        await session.close();
      }
    };
    // The very first visit renders the first screen's thumbnails on the server; later
    // fresh profiles find them in the thumbnail cache, as with pre-generated thumbnails.
    const cold = await measureOnce(false);
    log(`pwa: first visit (thumbnails rendered on demand) ${round(cold.first)} ms`);
    const firsts: number[] = [];
    const agains: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const run = await measureOnce(true);
      firsts.push(run.first);
      agains.push(run.again);
    }
    log('pwa: scrolling');
    const session = await openBrowser(PHONE);
    let afterScroll: PwaBenchResult['afterScroll'];
    try {
      await session.page.goto(server.url);
      await session.page.waitForSelector('.tile');
      afterScroll = await scrollThrough(session.page, scrollItems);
    } finally {
      await session.close();
    }
    return { items, firstThumbColdServerMs: cold.first, firstThumbMs: summarize(firsts), firstThumbRepeatVisitMs: summarize(agains), bytes: await shippedBytes(), afterScroll };
  } finally {
    await server.close();
    await media.remove();
  }
}

/** The same figures as a section of `npm run bench` (test/bench/run.ts can list it). */
export async function runPwaBenchSection(ctx: BenchContext): Promise<Section> {
  const items = ctx.quick ? 5000 : 20_000;
  const r = await runPwaBench({ items, scrollItems: 5000, repeats: ctx.repeats, log: ctx.log });
  const one = (n: number): Summary => summarize([n]);
  const kib = (n: number) => round(n / 1024, 1);
  return {
    id: 'pwa',
    title: 'PWA in headless Chromium (phone profile)',
    status: 'ok',
    method: `${items} items, thumbnails on demand; first thumbnail = navigation start to the first tile image loaded, fresh profile each run; heap after GC.`,
    figures: [
      { name: 'first thumbnail, very first visit', unit: 'ms', summary: one(r.firstThumbColdServerMs), note: 'server renders thumbnails on demand' },
      { name: 'first thumbnail, fresh profile', unit: 'ms', summary: r.firstThumbMs },
      { name: 'first thumbnail, repeat visit', unit: 'ms', summary: r.firstThumbRepeatVisitMs, note: 'service worker shell' },
      { name: 'JS shipped (gzip)', unit: 'KiB', summary: one(kib(r.bytes.js.gzip)), note: `raw ${kib(r.bytes.js.raw)} KiB, brotli ${kib(r.bytes.js.brotli)} KiB` },
      { name: 'CSS shipped (gzip)', unit: 'KiB', summary: one(kib(r.bytes.css.gzip)), note: `raw ${kib(r.bytes.css.raw)} KiB, brotli ${kib(r.bytes.css.brotli)} KiB` },
      { name: 'DOM nodes after 5,000 items', unit: 'nodes', summary: one(r.afterScroll.domNodes), note: `${r.afterScroll.tileElements} tile elements for ${r.afterScroll.loadedItems} loaded items` },
      { name: 'JS heap after 5,000 items', unit: 'MiB', summary: one(round(r.afterScroll.jsHeapUsedBytes / 1024 / 1024, 1)) },
    ],
    ratios: [],
    targets: [],
    raw: r,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  runPwaBench({ items: arg('items', 20_000), scrollItems: arg('scroll', 5000), repeats: arg('repeats', 3), log: (m) => process.stderr.write(`${m}\n`) }).then(
    (result) => console.log(JSON.stringify(result, (key, value: unknown) => (key === 'runs' ? undefined : value), 2)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

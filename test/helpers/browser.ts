import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';

export const CHROMIUM = process.env.SPIS_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts');

export interface Profile {
  name: 'phone' | 'desktop';
  viewport: { width: number; height: number };
  deviceScaleFactor: number;
  hasTouch: boolean;
  isMobile: boolean;
}

/** A mid-range phone (Pixel-class CSS size at DPR 2.75) and an ordinary laptop screen. */
export const PHONE: Profile = { name: 'phone', viewport: { width: 393, height: 851 }, deviceScaleFactor: 2.75, hasTouch: true, isMobile: true };
export const DESKTOP: Profile = { name: 'desktop', viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, hasTouch: false, isMobile: false };

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, for asserting a clean run. */
  errors: string[];
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile (so no service worker or cache carries over). */
export async function openBrowser(profile: Profile): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'spis-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: profile.viewport,
    deviceScaleFactor: profile.deviceScaleFactor,
    hasTouch: profile.hasTouch,
    isMobile: profile.isMobile,
    colorScheme: 'dark',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The browsers one test file opens, so that its `after` closes every one of them. */
export function browserPool() {
  const sessions: BrowserSession[] = [];
  return {
    async open(profile: Profile = PHONE): Promise<BrowserSession> {
      const session = await openBrowser(profile);
      sessions.push(session);
      return session;
    },
    async closeAll(): Promise<void> {
      for (const session of sessions.splice(0)) await session.close();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface LibraryOptions {
  count: number;
  /** Distinct months the items spread over (newest first from `newest`). */
  months?: number;
  newest?: { year: number; month: number };
  /** Files per folder, so the folder filter has something to show. */
  perFolder?: number;
}

/**
 * Writes `count` small JPEGs fast: one real sharp-encoded buffer per month (with EXIF
 * DateTimeOriginal in that month, a different colour and shape), written many times.
 * Items of a month share their instant, which exercises the id tie-break of the cursor.
 */
export async function writeLibrary(dir: string, options: LibraryOptions): Promise<string[]> {
  const months = options.months ?? 12;
  const newest = options.newest ?? { year: 2024, month: 6 };
  const perFolder = options.perFolder ?? 500;
  const buffers: Buffer[] = [];
  for (let m = 0; m < months; m++) {
    const total = newest.year * 12 + (newest.month - 1) - m;
    const year = Math.floor(total / 12);
    const month = (total % 12) + 1;
    const wide = m % 3 !== 1;
    buffers.push(await monthPicture(year, month, wide ? [96, 64] : [60, 90], (m * 47) % 360));
  }
  const written: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const rel = path.join(`album-${String(Math.floor(i / perFolder)).padStart(3, '0')}`, `IMG_${String(i).padStart(5, '0')}.jpg`);
    if (i % perFolder === 0) await mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    // Bytes after the JPEG end marker make each file distinct: marks follow content fingerprints.
    await writeFile(path.join(dir, rel), Buffer.concat([buffers[i % months]!, Buffer.from(`spis-${i}`)]));
    written.push(rel);
  }
  return written;
}

/** Ids of the tiles currently in the DOM, in DOM order. */
export function renderedIds(page: Page): Promise<string[]> {
  return page.$$eval('.tile', (tiles) => tiles.map((t) => t.getAttribute('data-id') ?? ''));
}

/** A small JPEG with a gradient, a sun and its month written on it, EXIF-dated to that month. */
export async function monthPicture(year: number, month: number, [width, height]: [number, number], hue: number): Promise<Buffer> {
  const label = `${year}-${String(month).padStart(2, '0')}`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},60%,62%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},55%,32%)"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width * 0.72}" cy="${height * 0.3}" r="${Math.min(width, height) * 0.14}" fill="#ffe27a"/>
    <path d="M0 ${height} L${width * 0.35} ${height * 0.55} L${width * 0.6} ${height * 0.8} L${width} ${height * 0.5} L${width} ${height} Z" fill="rgba(0,0,0,0.35)"/>
    <text x="4" y="${height - 6}" font-family="sans-serif" font-size="${Math.round(width / 6)}" fill="#fff">${label}</text>
  </svg>`;
  const taken = `${year}:${String(month).padStart(2, '0')}:14 12:00:00`;
  return sharp(Buffer.from(svg))
    .jpeg({ quality: 80 })
    .withExif({ IFD0: { Make: 'Spis', Model: 'Test Cam' }, IFD2: { DateTimeOriginal: taken, OffsetTimeOriginal: '+00:00' } })
    .toBuffer();
}

/** Browser tests need the built PWA; `npm test` builds first, a lone test file builds here. */
export async function ensureWebBuilt(): Promise<void> {
  const { existsSync } = await import('node:fs');
  if (existsSync(path.resolve(import.meta.dirname, '../../public/index.html'))) return;
  const { buildWeb } = await import('../../web/build/build.js');
  await buildWeb({ quiet: true });
}

/** What the page's controller holds (exposed on `window.spis` for tests and benchmarks). */
export interface PageState {
  ids: string[];
  done: boolean;
  tiles: number;
  nodes: number;
}

export function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const spis = (globalThis as unknown as { spis: { app: { loader: { done: boolean; store: { items: Array<{ id: string }> } } } } }).spis;
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document;
    return {
      ids: spis.app.loader.store.items.map((item) => item.id),
      done: spis.app.loader.done,
      tiles: doc.querySelectorAll('.tile').length,
      nodes: doc.querySelectorAll('*').length,
    };
  });
}

/** Every id the API lists for a query, walking all pages. */
export async function allIds(baseUrl: string, query = ''): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', '500');
    if (cursor) params.set('cursor', cursor);
    const response = await fetch(`${baseUrl}/api/media?${params}`);
    const page = (await response.json()) as { items: Array<{ id: string }>; nextCursor: string | null };
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

interface Point {
  x: number;
  y: number;
}

/**
 * Real touch input through the DevTools protocol (Playwright's touchscreen only taps), so
 * the page sees genuine touch pointer events: swipes, pinches and double taps.
 */
export async function touch(page: Page, tracks: Point[][], stepDelayMs = 16): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const at = (i: number) => tracks.map((track, id) => ({ ...track[Math.min(i, track.length - 1)]!, id }));
  const steps = Math.max(...tracks.map((t) => t.length));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
  for (let i = 1; i < steps; i++) {
    await new Promise((resolve) => setTimeout(resolve, stepDelayMs));
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(i) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

export function line(from: Point, to: Point, steps = 8): Point[] {
  return Array.from({ length: steps + 1 }, (_, i) => ({ x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps }));
}

/**
 * Two taps 60 ms apart by the events' own clock: the timestamps go with the events, so a
 * busy machine delaying their delivery cannot stretch the pair past the double-tap window.
 */
export async function doubleTap(page: Page, point: Point): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const t0 = Date.now() / 1000;
  const touchPoints = [{ ...point, id: 0 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints, timestamp: t0 });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [], timestamp: t0 + 0.02 });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints, timestamp: t0 + 0.06 });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [], timestamp: t0 + 0.08 });
  await cdp.detach();
}

export async function pinch(page: Page, centre: Point, from: number, to: number): Promise<void> {
  await touch(page, [
    line({ x: centre.x - from / 2, y: centre.y }, { x: centre.x - to / 2, y: centre.y }, 10),
    line({ x: centre.x + from / 2, y: centre.y }, { x: centre.x + to / 2, y: centre.y }, 10),
  ]);
}

/**
 * Waits until a page-side expression is truthy. Polled through `page.evaluate` (DevTools
 * evaluation) because Playwright's string `waitForFunction` uses eval, which the server's
 * CSP rightly forbids; tests keep the real CSP on.
 */
export async function until(page: Page, expression: string, { timeoutMs = 10_000, what = expression } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate(expression).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
}

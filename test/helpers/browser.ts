import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { jpegBuffer } from './media.js';

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
    buffers.push(
      await jpegBuffer({
        width: wide ? 64 : 40,
        height: wide ? 44 : 60,
        color: `hsl(${(m * 47) % 360}, 55%, 50%)`,
        taken: `${year}:${String(month).padStart(2, '0')}:14 12:00:00`,
        offset: '+00:00',
        make: 'Spis',
        model: 'Test Cam',
      }),
    );
  }
  const written: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const rel = path.join(`album-${String(Math.floor(i / perFolder)).padStart(3, '0')}`, `IMG_${String(i).padStart(5, '0')}.jpg`);
    if (i % perFolder === 0) await mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    await writeFile(path.join(dir, rel), buffers[i % months]!);
    written.push(rel);
  }
  return written;
}

/** Ids of the tiles currently in the DOM, in DOM order. */
export function renderedIds(page: Page): Promise<string[]> {
  return page.$$eval('.tile', (tiles) => tiles.map((t) => t.getAttribute('data-id') ?? ''));
}

/**
 * The timeline on a phone, measured in the page: how many tiles the first screen builds,
 * whether tiles on screen survive scrolling and page loads, one download per thumbnail on a
 * first visit (counted where requests arrive, so the service worker's are counted too),
 * compressed JSON, and a keyboard that keeps its place.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  browserPool,
  ensureWebBuilt,
  pageState,
  PHONE,
  until,
  writeLibrary,
} from '../helpers/browser.js';
import { startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

const ITEMS = 2000;

async function pageStateIds(server: TestServer): Promise<string[]> {
  const page = (await (await fetch(`${server.url}/api/media?limit=100`)).json()) as {
    items: Array<{ id: string }>;
  };
  return page.items.map((item) => item.id);
}

// Page-side code as strings: the test tsconfig has no DOM types.
const FIRST_STATS = 'window.spis?.timeline.stats.first ?? null';
/** Ids and elements of tiles wholly inside the viewport (below the top bar). */
const SNAPSHOT_VISIBLE = `(() => {
  const top = document.getElementById('topbar').offsetHeight;
  const seen = new Map();
  for (const tile of document.querySelectorAll('.tile')) {
    const r = tile.getBoundingClientRect();
    if (r.top >= top && r.bottom <= innerHeight && r.width > 0) seen.set(tile.dataset.id, tile);
  }
  window.__visible = seen;
  return seen.size;
})()`;
/** Tiles that were on screen at the last snapshot and still are, but as a different element. */
const REBUILT_SINCE_SNAPSHOT = `(() => {
  const top = document.getElementById('topbar').offsetHeight;
  const rebuilt = [];
  for (const [id, before] of window.__visible) {
    const now = document.querySelector('.tile[data-id="' + id + '"]');
    if (!now) continue;
    const r = now.getBoundingClientRect();
    const visible = r.top >= top && r.bottom <= innerHeight;
    if (visible && (now !== before || !now.classList.contains('loaded') && before.classList.contains('loaded'))) rebuilt.push(id);
  }
  return rebuilt;
})()`;
/** The computed outline of an element (page-side expression). */
const RING_OF = (element: string) =>
  `(() => { const s = getComputedStyle(${element}); return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), offset: parseFloat(s.outlineOffset) }; })()`;
interface Ring {
  style: string;
  width: number;
  offset: number;
}
const ACTIVE_TILE = "document.activeElement?.closest?.('.tile-link')?.dataset.id ?? null";

void describe('PWA on a phone: first screen, scrolling, downloads, keyboard', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  const browsers = browserPool();
  /** Every request that reached the server, by path and query. */
  let requests: string[] = [];

  before(async () => {
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-phone-');
    await writeLibrary(media.dir, { count: ITEMS, months: 8, perFolder: 500 });
    server = await startTestServer({
      media: media.dir,
      config: { thumbnails: { pregenerate: false } },
    });
    server.spis.server!.on('request', (request: IncomingMessage) =>
      requests.push(request.url ?? ''),
    );
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await media?.remove();
  });

  void it('builds little more than the first screen, and no tile on screen is rebuilt while scrolling through 5 pages', async () => {
    const { page, errors } = await browsers.open(PHONE);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded', { timeout: 20_000 });
    const first = (await page.evaluate(FIRST_STATS)) as { built: number; visible: number } | null;
    assert.ok(first && first.visible > 0, 'the first render showed tiles');
    assert.ok(
      first.built <= 1.5 * first.visible,
      `first screen built ${first.built} tiles for ${first.visible} visible`,
    );
    // Until the first scroll nothing more is built, however long the page sits there.
    await until(page, `document.querySelectorAll('.tile:not(.loaded)').length === 0`, {
      timeoutMs: 20_000,
      what: 'first screen loaded',
    });
    const built = (await page.evaluate('window.spis.timeline.stats.built')) as number;
    assert.equal(built, first.built, 'no tile was built after the first render while idle');

    // Scroll in steps of a third of a screen through five pages (120 + 4 × 300 items).
    let rebuilt: string[] = [];
    let steps = 0;
    for (; steps < 600; steps++) {
      const state = await pageState(page);
      if (state.ids.length >= 1320) break;
      await page.evaluate(SNAPSHOT_VISIBLE);
      await page.evaluate('window.scrollBy(0, Math.round(innerHeight / 3))');
      // Two frames: the scroll, then the render it scheduled (page loads land in between).
      await page.evaluate(
        'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))',
      );
      rebuilt = rebuilt.concat((await page.evaluate(REBUILT_SINCE_SNAPSHOT)) as string[]);
    }
    const state = await pageState(page);
    assert.ok(
      state.ids.length >= 1320,
      `five pages loaded (${state.ids.length} items after ${steps} steps)`,
    );
    assert.deepEqual(
      rebuilt,
      [],
      'tiles that stayed on screen were never rebuilt or reset to their placeholder',
    );
    const stats = (await page.evaluate('window.spis.timeline.stats')) as {
      built: number;
      destroyed: number;
    };
    assert.ok(
      stats.built < state.ids.length * 1.5,
      `tiles are built about once per item scrolled past (${stats.built} for ${state.ids.length})`,
    );
    assert.deepEqual(errors, []);
  });

  void it('downloads each thumbnail once on a first visit, service worker included', async () => {
    // Requests are counted where they arrive: no earlier page (or its worker) may still be sending any.
    await browsers.closeAll();
    const { page, errors } = await browsers.open(PHONE);
    requests = [];
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded', { timeout: 20_000 });
    await until(page, `document.querySelectorAll('.tile:not(.loaded)').length === 0`, {
      timeoutMs: 20_000,
      what: 'first screen loaded',
    });
    // The worker installs, takes over and is handed the thumbnails on screen to keep.
    await until(page, 'navigator.serviceWorker.controller !== null', {
      timeoutMs: 20_000,
      what: 'service worker in control',
    });
    const tiles = (await page.evaluate("document.querySelectorAll('.tile').length")) as number;
    await until(
      page,
      `caches.open('spis-v1-thumbs-small').then((c) => c.keys()).then((keys) => keys.length >= ${tiles})`,
      { timeoutMs: 20_000, what: 'the worker kept every thumbnail on screen' },
    );
    const thumbs = requests.filter((url) => url.includes('/thumb/'));
    const perUrl = new Map<string, number>();
    for (const url of thumbs) perUrl.set(url, (perUrl.get(url) ?? 0) + 1);
    const twice = [...perUrl].filter(([, n]) => n > 1);
    assert.ok(
      thumbs.length >= tiles,
      `every tile's thumbnail was requested (${thumbs.length} for ${tiles} tiles)`,
    );
    assert.deepEqual(twice, [], 'no thumbnail was downloaded twice');
    // The shell carried the session and the first page: the page asked for neither (the one
    // first-page request allowed is the copy the worker keeps for offline use).
    const paths = requests.map((url) => url.replace(/^https?:\/\/[^/]+/, ''));
    assert.equal(paths.filter((url) => url === '/api/session').length, 0, 'no session request');
    assert.ok(paths.filter((url) => url === '/api/media?limit=120').length <= 1, 'no first-page request from the page itself');
    assert.ok(
      thumbs.every((url) => /[?&]f=(avif|webp|jpeg)\b/.test(url)),
      'thumbnail URLs name their format, so one URL has one answer',
    );
    const byItem = new Set(thumbs.map((url) => url.split('?')[0]));
    assert.equal(
      byItem.size,
      thumbs.length,
      'one request per thumbnail, not one per format or Accept',
    );
    assert.deepEqual(errors, []);
  });

  void it('opens a deep link with its photo first: high priority, the grid behind it waits', async () => {
    // Requests are counted where they arrive: no earlier page (or its worker) may still be sending any.
    await browsers.closeAll();
    const { page, errors } = await browsers.open(PHONE);
    const target = (await pageStateIds(server))[40]!;
    requests = [];
    await page.goto(`${server.url}/?item=${target}`);
    await until(
      page,
      "(() => { const img = document.querySelector('img.lb-media'); return img?.complete && img.naturalWidth > 0; })()",
      { timeoutMs: 20_000, what: 'the photo' },
    );
    assert.equal(
      await page.$eval('img.lb-media', (img) => img.getAttribute('fetchpriority')),
      'high',
    );
    assert.match(
      (await page.$eval('img.lb-media', (img) => img.getAttribute('sizes'))) ?? '',
      /^min\(100vw, [\d.]+vh\)$/,
      'sized to the viewport',
    );
    await until(page, "document.querySelectorAll('.tile').length > 0", {
      timeoutMs: 20_000,
      what: 'the grid after the photo',
    });
    const thumbs = requests.filter((url) => url.includes('/thumb/'));
    assert.ok(
      thumbs[0]?.startsWith(`/api/media/${target}/thumb/`),
      `the photo's rendition is the first image asked for (got ${thumbs[0]})`,
    );
    assert.deepEqual(errors, []);
  });

  void it('gets the JSON listing compressed', async () => {
    const { page } = await browsers.open(PHONE);
    const listing = page.waitForResponse((response) => response.url().includes('/api/media?'));
    await page.goto(server.url);
    const response = await listing;
    const headers = await response.allHeaders();
    assert.match(headers['content-encoding'] ?? '', /^(br|gzip)$/, 'the listing is compressed');
    assert.match(headers['vary'] ?? '', /accept-encoding/i);
    const body = await response.body();
    const sizes = await response.request().sizes();
    assert.ok(
      sizes.responseBodySize < body.length / 3,
      `on the wire ${sizes.responseBodySize} bytes for ${body.length} bytes of JSON`,
    );
  });

  void it('shows a focus ring, moves with arrow keys, and keeps focus while pages load', async () => {
    const { page, errors } = await browsers.open(PHONE);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded', { timeout: 20_000 });

    // The search field: its box shows the ring (the field itself has none).
    await page.focus('.search');
    const searchRing = (await page.evaluate(
      RING_OF("document.querySelector('.search-wrap')"),
    )) as Ring;
    assert.notEqual(searchRing.style, 'none', 'the search field shows focus');
    assert.ok(searchRing.width >= 2);

    // Tab from the search field reaches the grid in one stop per grid, not two per photo.
    let tabs = 0;
    while (!(await page.evaluate(ACTIVE_TILE)) && tabs < 20) {
      await page.keyboard.press('Tab');
      tabs++;
    }
    const start = (await page.evaluate(ACTIVE_TILE)) as string | null;
    assert.ok(start, 'Tab reaches the grid');
    const ring = (await page.evaluate(RING_OF('document.activeElement'))) as Ring;
    assert.notEqual(ring.style, 'none', 'the focused photo shows a ring');
    assert.ok(
      ring.width >= 2 && ring.offset <= -ring.width,
      'drawn inside the tile, where overflow: hidden cannot clip it',
    );
    const stops = (await page.evaluate(
      'document.querySelectorAll(\'#timeline [tabindex="0"], #timeline a:not([tabindex]), #timeline button:not([tabindex])\').length',
    )) as number;
    assert.equal(stops, 1, 'the grid is one tab stop');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(ACTIVE_TILE), null, 'the next Tab leaves the grid');
    await page.keyboard.press('Shift+Tab');
    assert.equal(
      await page.evaluate(ACTIVE_TILE),
      start,
      'and Shift+Tab comes back to the same photo',
    );

    const ids = (await pageState(page)).ids;
    await page.keyboard.press('ArrowRight');
    assert.equal(
      await page.evaluate(ACTIVE_TILE),
      ids[ids.indexOf(start) + 1],
      'ArrowRight moves to the next photo',
    );
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.evaluate(ACTIVE_TILE), start, 'ArrowLeft moves back');
    const rowTop = (id: string) =>
      page.$eval(`.tile[data-id="${id}"]`, (el) => el.getBoundingClientRect().top);
    await page.keyboard.press('ArrowDown');
    const below = (await page.evaluate(ACTIVE_TILE)) as string;
    assert.ok((await rowTop(below)) > (await rowTop(start)), 'ArrowDown moves to the row below');

    // Walk down until the next page has loaded: the focused photo keeps focus throughout.
    const loaded = ids.length;
    let presses = 0;
    while ((await pageState(page)).ids.length === loaded && presses < 200) {
      await page.keyboard.press('ArrowDown');
      presses++;
      assert.ok(
        await page.evaluate(ACTIVE_TILE),
        `focus stays on a photo (after ${presses} presses)`,
      );
    }
    assert.ok((await pageState(page)).ids.length > loaded, 'a page loaded during the walk');
    const focused = (await page.evaluate(ACTIVE_TILE)) as string;
    await waitFor(async () => ((await pageState(page)).ids.length > loaded ? true : undefined), {
      what: 'the page rendered',
    });
    await page.evaluate(
      'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))',
    );
    assert.equal(
      await page.evaluate(ACTIVE_TILE),
      focused,
      'focus is still on the same photo after the page load',
    );
    const visible = await page.evaluate(
      `(() => { const r = document.querySelector('.tile[data-id="${focused}"]').getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; })()`,
    );
    assert.ok(visible, 'the focused photo is scrolled into view');
    assert.deepEqual(errors, []);
  });
});

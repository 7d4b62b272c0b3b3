import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { DESKTOP, doubleTap, until, ensureWebBuilt, line, browserPool, PHONE, pinch, screenshot, touch, writeLibrary } from '../helpers/browser.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { makeVideo } from '../helpers/thumbs.js';

// Page-side code as strings: the test tsconfig has no DOM types.
const LIGHTBOX_OPEN = "!document.getElementById('lightbox').hidden";
const LIGHTBOX_CLOSED = "document.getElementById('lightbox').hidden";
const titleOf = "document.querySelector('.lb-title strong')?.textContent";
const itemParam = "new URLSearchParams(location.search).get('item')";

void describe('PWA lightbox, favourites and filters', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let items: ApiItem[];
  const browsers = browserPool();
  const open = browsers.open;

  before(async () => {
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-lb-');
    await writeLibrary(media.dir, { count: 24, months: 3, perFolder: 12 });
    await mkdir(path.join(media.dir, 'clips'));
    await makeVideo(path.join(media.dir, 'clips', 'party.mp4'), { seconds: 3, width: 320, height: 240 });
    server = await startTestServer({ media: media.dir });
    items = (await api<MediaPage>(server, '/api/media?limit=100')).body.items;
    assert.equal(items.length, 25);
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await media?.remove();
  });

  void it('phone: opens the large rendition, swipes to the next, pinch and double-tap zoom, swipe down closes', async () => {
    const { page, errors } = await open(PHONE);
    const requested: string[] = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    await page.tap('.tile-link');
    await until(page, LIGHTBOX_OPEN);
    // srcset picks the rendition by width × DPR; these originals are smaller than the small
    // rendition's box, so both renditions are the same picture and only the small one is listed.
    await until(page, "(() => { const img = document.querySelector('img.lb-media'); return img?.complete && img.naturalWidth > 0 && /\\/thumb\\/(small|large)\\?/.test(img.currentSrc) && img.fetchPriority === 'high'; })()");
    assert.equal(await page.evaluate(itemParam), items[0]!.id, 'the open item is in the URL');
    assert.equal(await page.evaluate(titleOf), items[0]!.name);

    const { width, height } = PHONE.viewport;
    const mid = { x: width / 2, y: height / 2 };
    await touch(page, [line({ x: width * 0.8, y: mid.y }, { x: width * 0.15, y: mid.y })]);
    await until(page, `${titleOf} === ${JSON.stringify(items[1]!.name)}`);
    assert.equal(await page.evaluate(itemParam), items[1]!.id);

    await pinch(page, mid, 60, 260);
    await until(page, "document.getElementById('lightbox').classList.contains('zoomed')");
    const scale = await page.evaluate("new DOMMatrix(getComputedStyle(document.querySelector('.lb-media')).transform).a");
    assert.ok(Number(scale) > 1.5, `pinched to ${String(scale)}×`);
    await screenshot(page, 'lightbox-phone-zoomed');
    await doubleTap(page, mid);
    await until(page, "!document.getElementById('lightbox').classList.contains('zoomed')");
    await doubleTap(page, mid);
    await until(page, "document.getElementById('lightbox').classList.contains('zoomed')");
    await doubleTap(page, mid);
    await until(page, "!document.getElementById('lightbox').classList.contains('zoomed')");
    await page.waitForTimeout(300); // the zoom-out animation
    await screenshot(page, 'lightbox-phone');

    await touch(page, [line({ x: mid.x, y: height * 0.3 }, { x: mid.x, y: height * 0.75 })]);
    await until(page, LIGHTBOX_CLOSED);
    assert.equal(await page.evaluate(itemParam), null, 'closing takes the item off the URL');
    assert.ok(!requested.some((p) => p.endsWith('/original')), 'images never load the original');
    assert.deepEqual(errors, []);
  });

  void it('desktop: arrow keys move, Escape closes, the info panel shows camera and size', async () => {
    const { page, errors } = await open(DESKTOP);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    await page.click('.tile-link');
    await until(page, LIGHTBOX_OPEN);
    await page.keyboard.press('ArrowRight');
    await until(page, `${titleOf} === ${JSON.stringify(items[1]!.name)}`);
    await page.keyboard.press('ArrowLeft');
    await until(page, `${titleOf} === ${JSON.stringify(items[0]!.name)}`);
    await page.click('.lb-info-button');
    await page.waitForSelector('.lb-info dl');
    const info = await page.textContent('.lb-info');
    assert.match(info ?? '', /Spis Test Cam/);
    assert.match(info ?? '', /Dimensions/);
    await screenshot(page, 'lightbox-desktop');
    await page.keyboard.press('Escape');
    await until(page, LIGHTBOX_CLOSED);
    assert.equal(await page.evaluate(itemParam), null);
    assert.deepEqual(errors, []);
  });

  void it('a favourite set in the lightbox survives a reload and shows under the favourites filter', async () => {
    const { page } = await open(DESKTOP);
    const target = items[2]!;
    await page.goto(`${server.url}/?item=${target.id}`);
    await until(page, LIGHTBOX_OPEN);
    await page.click('.lb-fav');
    await page.waitForSelector('.lb-fav[aria-pressed="true"]');
    await page.reload();
    await page.waitForSelector('.lb-fav[aria-pressed="true"]');
    assert.equal((await api<ApiItem>(server, `/api/media/${target.id}`)).body.favorite, true);
    await page.keyboard.press('Escape');
    await page.click('.fav-toggle');
    await until(page, "new URLSearchParams(location.search).get('favorite') === 'true'");
    await until(page, `document.querySelectorAll('.tile').length === 1 && document.querySelector('.tile').dataset.id === ${JSON.stringify(target.id)}`);
    await page.click('.filter-toggle');
    await screenshot(page, 'filters-desktop');
  });

  void it('phone: filters live in the URL and back/forward restore them', async () => {
    const { page } = await open(PHONE);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    await page.click('.filter-toggle');
    await page.waitForSelector('#filter-panel:not([hidden])');
    const year = items[items.length - 1]!.takenAt.slice(0, 4);
    await page.selectOption('#filter-panel select >> nth=1', year);
    await until(page, `new URLSearchParams(location.search).get('year') === '${year}'`);
    await screenshot(page, 'filters-phone');
    const expected = (await api<MediaPage>(server, `/api/media?year=${year}`)).body.items.length;
    await until(page, `window.spis.app.loader.done && window.spis.app.loader.store.size === ${expected}`);
    await page.click('#filter-panel button[type=submit]');
    await page.fill('.search', 'IMG_0001');
    await until(page, "new URLSearchParams(location.search).get('q') === 'IMG_0001'");
    await page.goBack();
    await until(page, `location.search === '?year=${year}' && document.querySelector('.search').value === ''`);
    await page.goBack();
    await until(page, "location.search === '' && window.spis.app.view.year === null");
    await page.goForward();
    await until(page, `window.spis.app.view.year === ${year} && document.querySelector('#filter-panel select:nth-of-type(1)') !== null`);
  });

  void it('a browser-safe video plays its original bytes from /play with seeking', async () => {
    const { page, errors } = await open(DESKTOP);
    const statuses: number[] = [];
    page.on('response', (response) => response.url().includes('/play') && statuses.push(response.status()));
    await page.goto(`${server.url}/?type=video`);
    await page.waitForSelector('.tile .video-badge');
    await page.click('.tile-link');
    await page.waitForSelector('video.lb-media');
    const canPlay = await page.evaluate("document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')");
    assert.notEqual(canPlay, '', 'this Chromium plays H.264');
    await page.evaluate("(async () => { const v = document.querySelector('video.lb-media'); v.muted = true; await v.play(); })()");
    await until(page, "document.querySelector('video.lb-media').currentTime > 0.2", { timeoutMs: 15_000 });
    await page.evaluate("document.querySelector('video.lb-media').currentTime = 2");
    await until(page, "document.querySelector('video.lb-media').currentTime >= 2 && !document.querySelector('video.lb-media').seeking");
    assert.ok(statuses.includes(206), `ranged requests served the video (statuses ${statuses.join(',')})`);
    assert.deepEqual(errors, []);
  });
});

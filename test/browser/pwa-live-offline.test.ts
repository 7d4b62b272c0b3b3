import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { allIds, ensureWebBuilt, monthPicture, browserPool, PHONE, screenshot, until, writeLibrary } from '../helpers/browser.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

const storeIds = 'window.spis.app.loader.store.items.map((item) => item.id)';

void describe('PWA live updates and offline use', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  const browsers = browserPool();

  before(async () => {
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-live-');
    await writeLibrary(media.dir, { count: 30, months: 2, perFolder: 15 });
    server = await startTestServer({ media: media.dir });
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await media?.remove();
  });

  void it('a file copied into the media folder appears in its month without a reload; filters and marks follow', async () => {
    const session = await browsers.open(PHONE);
    const { page, context } = session;
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    const favourites = await context.newPage();
    await favourites.goto(`${server.url}/?favorite=true`);
    await favourites.waitForSelector('.state-card');
    await page.evaluate('window.notReloaded = true');

    // Between the two months of the library: it belongs in the middle of the loaded list.
    await mkdir(path.join(media.dir, 'new'));
    await writeFile(path.join(media.dir, 'new', 'IMG_LIVE.jpg'), await monthPicture(2024, 5, [80, 60], 200));
    const added = await waitFor(
      async () => (await api<MediaPage>(server, '/api/media?q=IMG_LIVE')).body.items[0],
      { timeoutMs: 10_000, what: 'the server to index the new file' },
    );
    await until(page, `${storeIds}.includes(${JSON.stringify(added.id)})`, { what: 'the new item on the page' });
    assert.equal(await page.evaluate('window.notReloaded'), true, 'no reload happened');
    assert.deepEqual(await page.evaluate(storeIds), await allIds(server.url), 'inserted at its place in server order');
    await until(page, "[...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('IMG_LIVE'))", { what: 'the notice' });
    await page.click('.toast button');
    await page.waitForSelector(`.tile[data-id="${added.id}"]`);
    await screenshot(page, 'live-added-phone');
    assert.equal(await favourites.evaluate('document.querySelectorAll(".tile").length'), 0, 'the favourites view ignores a non-favourite');

    // Favourited on another device: both pages follow the server's media.updated.
    const marked = await api<ApiItem>(server, `/api/media/${added.id}/favorite`, { method: 'PUT' });
    assert.equal(marked.status, 200);
    await page.waitForSelector(`.tile.favorite[data-id="${added.id}"]`);
    await until(favourites, `window.spis.app.loader.store.items.some((item) => item.id === ${JSON.stringify(added.id)})`, { what: 'the favourites view to gain the item' });
    await favourites.close();
  });

  void it('after one online visit the page reloads offline and shows the saved timeline', async () => {
    const session = await browsers.open(PHONE);
    const { page, context } = session;
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    await until(page, 'navigator.serviceWorker.controller !== null', { timeoutMs: 25_000, what: 'the service worker to take control' });
    await until(page, "caches.open('spis-v1-api').then((c) => c.keys()).then((keys) => keys.some((r) => r.url.includes('/api/media?')))", { timeoutMs: 15_000, what: 'the first page in the offline cache' });
    await until(page, "caches.open('spis-v1-thumbs-small').then((c) => c.keys()).then((keys) => keys.length >= 6)", { timeoutMs: 15_000, what: 'thumbnails in the offline cache' });
    const online = (await page.evaluate(storeIds)) as string[];

    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('.tile');
    await until(page, "document.querySelector('#status:not([hidden])')?.textContent.includes('Offline')", { what: 'the offline indicator' });
    await page.waitForSelector('.tile.loaded');
    const offline = (await page.evaluate(storeIds)) as string[];
    assert.deepEqual(offline, online.slice(0, offline.length), 'the saved timeline, in order');
    assert.ok(offline.length > 0);
    await screenshot(page, 'offline-phone');
    await context.setOffline(false);
  });
});

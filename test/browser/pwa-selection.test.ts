import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MediaPage } from '../../server/shared/api-types.js';
import { DESKTOP, ensureWebBuilt, browserPool, PHONE, screenshot, touch, until, writeLibrary } from '../helpers/browser.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

void describe('PWA selection and empty states', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  const browsers = browserPool();
  const open = browsers.open;

  before(async () => {
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-sel-');
    await writeLibrary(media.dir, { count: 12, months: 2 });
    server = await startTestServer({ media: media.dir });
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await media?.remove();
  });

  void it('phone: a long-press starts selecting, taps add items, one action archives them all', async () => {
    const { page } = await open(PHONE);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    const box = (await page.locator('.tile').nth(0).boundingBox())!;
    await touch(page, Array.from({ length: 1 }, () => Array.from({ length: 40 }, () => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 }))), 20);
    await page.waitForSelector('#selection-bar:not([hidden])');
    await page.locator('.tile-link').nth(1).tap();
    await until(page, "document.querySelector('.sel-count').textContent.startsWith('2 selected')");
    await screenshot(page, 'selection-phone');
    const chosen = (await page.$$eval('.tile.selected', (els) => els.map((el) => el.getAttribute('data-id')))) as string[];
    await page.getByRole('button', { name: 'Archive' }).click();
    await page.waitForSelector('#selection-bar', { state: 'hidden' });
    const archived = (await api<MediaPage>(server, '/api/media?archived=true')).body.items.map((item) => item.id);
    assert.deepEqual(archived.sort(), chosen.sort(), 'exactly the selected items were archived');
    await until(page, `window.spis.app.loader.store.size === 10`, { what: 'archived items to leave the timeline' });
  });

  void it('desktop: the archived view lists them and explains an empty favourites view', async () => {
    const { page } = await open(DESKTOP);
    await page.goto(`${server.url}/?archived=true`);
    await until(page, "document.querySelectorAll('.tile').length === 2");
    await page.goto(`${server.url}/?favorite=true`);
    await page.waitForSelector('.state-card');
    assert.match((await page.textContent('.state-card')) ?? '', /Nothing matches these filters/);
    await page.click('.state-card button');
    await until(page, "location.search === '' && document.querySelectorAll('.tile').length === 10");
  });

  void it('an empty library says where to put photos', async () => {
    const empty = await startTestServer();
    try {
      const { page } = await open(PHONE);
      await page.goto(empty.url);
      await page.waitForSelector('.state-card h2');
      assert.equal(await page.textContent('.state-card h2'), 'No photos yet');
      assert.match((await page.textContent('.state-card')) ?? '', /media folder/);
      await screenshot(page, 'empty-phone');
    } finally {
      await empty.close();
    }
  });
});

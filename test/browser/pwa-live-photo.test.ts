import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MediaPage } from '../../server/shared/api-types.js';
import { browserPool, DESKTOP, ensureWebBuilt, PHONE, until } from '../helpers/browser.js';
import { makeLiveClip, writeLivePhoto } from '../helpers/live-photo.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

// Page-side code as strings: the test tsconfig has no DOM types.
const LIGHTBOX_OPEN = "!document.getElementById('lightbox').hidden";
const PLAYING =
  "(() => { const v = document.querySelector('video.lb-live'); return !!v && !v.paused && v.currentTime > 0 && document.querySelector('.lb-stage').classList.contains('live-playing'); })()";
const STILL_AGAIN =
  "(() => { const v = document.querySelector('video.lb-live'); return !!v && v.paused && !document.querySelector('.lb-stage').classList.contains('live-playing'); })()";

// The clip is VP9 in an MP4 container: Debian's Chromium has no H.264 decoder, and the test
// checks that this browser can play it before relying on it.
void describe('PWA Live Photos', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let work: { dir: string; remove: () => Promise<void> };
  const browsers = browserPool();

  before(async () => {
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-live-');
    work = await tempDir('spis-pwa-live-work-');
    const clip = await makeLiveClip(path.join(work.dir, 'clip.mov'), { seconds: 2 });
    await writeLivePhoto(media.dir, 'IMG_0001', clip);
    server = await startTestServer({ media: media.dir });
    const items = (await api<MediaPage>(server, '/api/media')).body.items;
    assert.deepEqual(
      items.map((i) => [i.path, Boolean(i.livePhoto)]),
      [['IMG_0001.JPG', true]],
    );
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await media?.remove();
    await work?.remove();
  });

  void it('desktop: the tile shows LIVE, hovering the photo plays the motion, leaving returns to the still', async () => {
    const { page, errors } = await browsers.open(DESKTOP);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    assert.equal(await page.textContent('.tile .live-badge'), 'LIVE');
    assert.notEqual(
      await page.evaluate(
        "document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.640028\"')",
      ),
      '',
      'this Chromium plays H.264',
    );
    await page.click('.tile-link');
    await until(page, LIGHTBOX_OPEN);
    await page.waitForSelector('video.lb-live');
    assert.equal(await page.evaluate("document.querySelector('.lb-live-badge').hidden"), false);
    await page.mouse.move(10, DESKTOP.viewport.height - 10);
    await page.mouse.move(DESKTOP.viewport.width / 2, DESKTOP.viewport.height / 2, { steps: 4 });
    await until(page, PLAYING, { what: 'the motion to play on hover' });
    assert.equal(await page.evaluate("document.querySelector('video.lb-live').muted"), true);
    await page.mouse.move(DESKTOP.viewport.width / 2, 5, { steps: 4 }); // onto the top bar, off the stage
    await until(page, STILL_AGAIN, { what: 'the still again after the pointer left' });
    assert.deepEqual(errors, []);
  });

  void it('phone: press-and-hold plays the motion, lifting the finger returns to the still', async () => {
    const { page, errors } = await browsers.open(PHONE);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    assert.equal(await page.textContent('.tile .live-badge'), 'LIVE');
    await page.tap('.tile-link');
    await until(page, LIGHTBOX_OPEN);
    await page.waitForSelector('video.lb-live');
    const cdp = await page.context().newCDPSession(page);
    const point = { x: PHONE.viewport.width / 2, y: PHONE.viewport.height / 2, id: 0 };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
    await until(page, PLAYING, { what: 'the motion to play while held' });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
    await until(page, STILL_AGAIN, { what: 'the still again once released' });
    assert.ok(await page.evaluate(LIGHTBOX_OPEN), 'holding did not close or navigate the lightbox');
    assert.deepEqual(errors, []);
  });
});

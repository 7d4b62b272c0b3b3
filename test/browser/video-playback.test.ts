import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MediaPage } from '../../server/shared/api-types.js';
import { browserPool, DESKTOP, ensureWebBuilt, screenshot, until } from '../helpers/browser.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { makeFixture, requireFfmpeg, gatedFfmpeg } from '../helpers/videos.js';

// Page-side code as strings: the test tsconfig has no DOM types.
const VIDEO = "document.querySelector('video.lb-media')";
const NOTE = "document.querySelector('.lb-video-note')";

void describe('PWA video playback', () => {
  let server: TestServer;
  let media: Awaited<ReturnType<typeof tempDir>>;
  let tools: Awaited<ReturnType<typeof tempDir>>;
  let ffmpeg: Awaited<ReturnType<typeof gatedFfmpeg>>;
  const browsers = browserPool();

  before(async () => {
    await requireFfmpeg();
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-video-');
    tools = await tempDir('spis-gated-ffmpeg-');
    await makeFixture(media.dir, 'hevc.mov');
    // Transcoding waits for the test, so the lightbox opens on a video still being prepared.
    ffmpeg = await gatedFfmpeg(tools.dir);
    server = await startTestServer({
      media: media.dir,
      config: { video: { ffmpeg: ffmpeg.path } },
    });
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await media?.remove();
    await tools?.remove();
  });

  void it('an iPhone HEVC clip shows "preparing video", then plays its upright rendition without a reload, seeking to 1 s', async () => {
    const [item] = (await api<MediaPage>(server, '/api/media')).body.items;
    assert.equal(item?.playback?.ready, false, 'not prepared when the page opens');
    const { page, errors } = await browsers.open(DESKTOP);
    const statuses: number[] = [];
    page.on(
      'response',
      (response) => response.url().includes('/play') && statuses.push(response.status()),
    );
    // Debian's Chromium has no HEVC decoder: the original would be a black box here.
    assert.equal(
      await page.evaluate(
        "document.createElement('video').canPlayType('video/mp4; codecs=\"hvc1\"')",
      ),
      '',
    );
    await page.goto(`${server.url}/?type=video`);
    await page.waitForSelector('.tile .video-badge');
    await page.click('.tile-link');
    await page.waitForSelector('video.lb-media');
    await until(page, `!${NOTE}.hidden && /Preparing video… \\d+ %/.test(${NOTE}.textContent)`, {
      what: 'the preparing note',
    });
    assert.equal(
      await page.evaluate(`${VIDEO}.getAttribute('src')`),
      null,
      'no source while preparing',
    );
    assert.match(String(await page.evaluate(`${VIDEO}.poster`)), /\/thumb\/large/);
    assert.equal(
      await page.evaluate("document.querySelector('.lb-download').getAttribute('href')"),
      `/api/media/${item.id}/original`,
    );
    await screenshot(page, 'video-preparing');
    await ffmpeg.release();

    // The media.updated that says "ready" gives the video its source: no reload, no click.
    await until(
      page,
      `${NOTE}.hidden && ${VIDEO}.getAttribute('src') === ${JSON.stringify(item.playback!.url)}`,
      { timeoutMs: 60_000, what: 'the rendition' },
    );
    await page.evaluate(`(async () => { const v = ${VIDEO}; v.muted = true; await v.play(); })()`);
    await until(page, `${VIDEO}.currentTime > 0.1`, { timeoutMs: 15_000, what: 'playback' });
    await page.evaluate(`${VIDEO}.currentTime = 1`);
    await until(page, `Math.abs(${VIDEO}.currentTime - 1) < 0.15 && !${VIDEO}.seeking`, {
      what: 'the seek',
    });
    const size = (await page.evaluate(`[${VIDEO}.videoWidth, ${VIDEO}.videoHeight]`)) as number[];
    assert.deepEqual(size, [120, 160], 'portrait, as shot');
    assert.ok(
      statuses.includes(206),
      `ranged requests served the rendition (statuses ${statuses.join(',')})`,
    );
    await screenshot(page, 'video-playing');
    assert.deepEqual(
      errors.filter((error) => !error.includes('503')),
      [],
    );
  });
});

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiError, ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { jpegBuffer, treeDigest, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { bombPng } from '../helpers/thumbs.js';

/** Pathological files get clear client errors, and nothing else is disturbed meanwhile. */
void describe('decompression bombs and broken files', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let items: Map<string, ApiItem>;
  let digest: Map<string, string>;

  before(async () => {
    media = await tempDir('spis-bombs-');
    await writeFile(path.join(media.dir, 'bomb.png'), bombPng(30_000, 30_000));
    const whole = await jpegBuffer({ width: 1200, height: 900, quality: 95 });
    await writeFile(path.join(media.dir, 'truncated.jpg'), whole.subarray(0, Math.floor(whole.length * 0.6)));
    await writeJpeg(path.join(media.dir, 'fine.jpg'), { width: 640, height: 480 });
    digest = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir, config: { thumbnails: { pregenerate: false } } });
    const { body } = await api<MediaPage>(server, '/api/media');
    items = new Map(body.items.map((item) => [item.name, item]));
  });
  after(async () => {
    await server?.close();
    await media?.remove();
  });

  void it('a 30000×30000 PNG is refused with 422 while other requests succeed', async () => {
    const bomb = items.get('bomb.png');
    assert.ok(bomb, 'indexed from its header');
    assert.deepEqual([bomb.width, bomb.height], [30_000, 30_000]);
    const [bombThumb, bombImage, fine] = await Promise.all([
      api<ApiError>(server, bomb.thumbs.small),
      api<ApiError>(server, `/api/media/${bomb.id}/image?w=100`),
      fetch(server.url + items.get('fine.jpg')!.thumbs.small),
    ]);
    for (const response of [bombThumb, bombImage]) {
      assert.equal(response.status, 422);
      assert.equal(response.body.error.code, 'unprocessable_media');
      assert.match(response.body.error.message, /too large.*900 megapixels/);
      assert.doesNotMatch(response.body.error.message, /\//, 'no server path');
    }
    assert.equal(fine.status, 200);
    assert.equal(fine.headers.get('content-type'), 'image/jpeg');
  });

  void it('a truncated JPEG gives 422, not a grey half picture or a 500', async () => {
    const broken = items.get('truncated.jpg');
    assert.ok(broken);
    for (const route of [broken.thumbs.small, `/api/media/${broken.id}/image?w=50`]) {
      const response = await api<ApiError>(server, route);
      assert.equal(response.status, 422, route);
      assert.equal(response.body.error.message, 'the file could not be decoded as an image');
    }
    // A failure is remembered, not decoded again on every request.
    const renders = server.spis.thumbs.service.renders;
    assert.equal((await api(server, broken.thumbs.small)).status, 422);
    assert.equal(server.spis.thumbs.service.renders, renders);
  });

  void it('w=100000 is a 400 naming the parameter and its limit', async () => {
    const fine = items.get('fine.jpg')!;
    const response = await api<ApiError>(server, `/api/media/${fine.id}/image?w=100000`);
    assert.equal(response.status, 400);
    assert.equal(response.body.error.message, 'w: expected an integer from 1 to 4096, got "100000"');
    const ok = await fetch(`${server.url}/api/media/${fine.id}/image?w=100`);
    assert.equal(ok.status, 200);
  });

  void it('the pre-generation queue survives bad files', async () => {
    const { body } = await api<{ thumbnails: { failures: number } }>(server, '/api/status');
    assert.ok(body.thumbnails.failures >= 2);
    assert.equal((await fetch(server.url + items.get('fine.jpg')!.thumbs.large)).status, 200);
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
  });
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { ApiError, MediaPage } from '../../server/shared/api-types.js';
import { treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { uprightPicture } from '../helpers/thumbs.js';

void describe('on-the-fly transforms and named outputs', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let base = '';
  let digest: Map<string, string>;

  before(async () => {
    media = await tempDir('spis-transform-');
    await sharp(await uprightPicture(600, 400)).jpeg().toFile(path.join(media.dir, 'wide.jpg'));
    digest = await treeDigest(media.dir);
    server = await startTestServer({
      media: media.dir,
      config: { thumbnails: { pregenerate: false }, transforms: { maxWidth: 2000, maxHeight: 1500, cacheBytes: 60_000 } },
    });
    const item = (await api<MediaPage>(server, '/api/media')).body.items[0]!;
    base = `${server.url}/api/media/${item.id}`;
  });
  after(async () => {
    await server?.close();
    await media?.remove();
  });

  async function image(route: string, accept = 'image/webp,*/*') {
    const response = await fetch(base + route, { headers: { accept } });
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200, `${route}: ${body.toString().slice(0, 200)}`);
    const meta = await sharp(body).metadata();
    return { response, body, meta, size: [meta.width, meta.height], format: meta.format };
  }

  void it('resizes by mode, never upscaling unless asked', async () => {
    const cases: Array<[string, number[]]> = [
      ['/image?w=300', [300, 200]],
      ['/image?h=100', [150, 100]],
      ['/image?w=200&h=200', [200, 133]],
      ['/image?w=200&h=200&mode=crop', [200, 200]],
      ['/image?w=300&h=100&mode=pad', [300, 100]],
      ['/image?w=50&h=50&mode=stretch', [50, 50]],
      ['/image?w=1200', [600, 400]],
      ['/image?w=1200&upscale=true', [1200, 800]],
      ['/image', [600, 400]],
      ['/image?rotate=90', [400, 600]],
      ['/image?rotate=270&w=100', [100, 150]],
    ];
    for (const [route, size] of cases) assert.deepEqual((await image(route)).size, size, route);
  });

  void it('chooses the format from the parameter or from Accept', async () => {
    const auto = await image('/image?w=100', 'image/webp');
    assert.equal(auto.format, 'webp');
    assert.match(auto.response.headers.get('vary') ?? '', /accept/i);
    assert.equal((await image('/image?w=100', '*/*')).format, 'jpeg');
    for (const format of ['jpeg', 'webp', 'png', 'avif'] as const) {
      const out = await image(`/image?w=64&format=${format}`);
      assert.equal(out.format === 'heif' ? 'avif' : out.format, format);
      assert.equal(out.response.headers.get('content-type'), `image/${format}`);
    }
    const low = await image('/image?w=300&format=jpeg&quality=10');
    const high = await image('/image?w=300&format=jpeg&quality=95');
    assert.ok(low.body.length < high.body.length);
  });

  void it('applies flip, grayscale and blur', async () => {
    const plain = await sharp((await image('/image?w=60&format=png')).body).raw().toBuffer();
    const flopped = await sharp((await image('/image?w=60&format=png&flip=h')).body).raw().toBuffer();
    assert.ok(!plain.equals(flopped));
    const grey = await sharp((await image('/image?w=60&format=png&grayscale')).body).stats();
    assert.ok(grey.channels.length <= 2 || grey.channels[0]!.mean === grey.channels[2]!.mean);
    const blurred = await sharp((await image('/image?w=60&format=png&blur=5')).body).stats();
    const sharpStats = await sharp((await image('/image?w=60&format=png')).body).stats();
    assert.ok(blurred.sharpness < sharpStats.sharpness);
  });

  void it('rejects unknown keys, repeated keys and out-of-range values with 400', async () => {
    const bad: Array<[string, RegExp]> = [
      ['?size=10', /^size: expected a supported parameter \(w, h, maxwidth/],
      ['?w=10&w=20', /^w: expected a single value/],
      ['?w=0', /^w: expected an integer from 1 to 2000/],
      ['?h=1501', /^h: expected an integer from 1 to 1500/],
      ['?w=1.5', /^w: expected an integer/],
      ['?quality=0', /^quality: expected an integer from 1 to 100/],
      ['?mode=fill', /^mode: expected one of max, crop, pad, stretch/],
      ['?format=tiff', /^format: expected one of auto, jpeg/],
      ['?rotate=45', /^rotate: expected 90, 180 or 270/],
      ['?flip=z', /^flip: expected one of h, v, x, y, xy, both, none/],
      ['?blur=1000', /^blur: expected a number from 0.3 to 100/],
      ['?grayscale=maybe', /^grayscale: expected true, false, 1 or 0/],
    ];
    for (const [query, message] of bad) {
      const response = await api<ApiError>({ url: base }, `/image${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.error.code, 'invalid_parameter');
      assert.match(response.body.error.message, message, query);
    }
  });

  void it('equivalent URLs share one cache entry', async () => {
    const transforms = server.spis.thumbs.transforms;
    const first = await image('/image?w=123&mode=crop&format=webp');
    const renders = transforms.renders;
    const same = await image('/image?format=webp&mode=max&w=123&quality=80&rotate=0');
    assert.equal(transforms.renders, renders);
    assert.equal(same.response.headers.get('etag'), first.response.headers.get('etag'));
    const revalidated = await fetch(`${base}/image?w=123&format=webp`, { headers: { 'if-none-match': first.response.headers.get('etag')! } });
    assert.equal(revalidated.status, 304);
  });

  void it('keeps the cache within its byte budget', async () => {
    for (let w = 300; w < 340; w += 4) await image(`/image?w=${w}&format=png`);
    assert.ok(server.spis.thumbs.transforms.cache.bytes <= 60_000);
  });

  void it('serves named outputs through the same transform', async () => {
    const cases: Array<[string, number[], string]> = [
      ['/w200.jpg', [200, 133], 'jpeg'],
      ['/h100.png', [150, 100], 'png'],
      ['/x200.webp', [200, 200], 'webp'],
      ['/300x200.jpg', [300, 200], 'jpeg'],
      ['/120x200-q50.webp', [120, 200], 'webp'],
    ];
    for (const [route, size, format] of cases) {
      const out = await image(route);
      assert.deepEqual(out.size, size, route);
      assert.equal(out.format, format, route);
    }
    const versioned = await image(`/w200.jpg?v=${(await api<MediaPage>(server, '/api/media')).body.items[0]!.version}`);
    assert.equal(versioned.response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await api({ url: base }, '/w0.jpg')).status, 400);
    assert.equal((await api({ url: base }, '/w200.jpg?blur=3')).status, 400);
    assert.equal((await api({ url: base }, '/w200.gif')).status, 404);
    assert.equal((await api({ url: base }, '/favorite')).status, 404);
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
  });
});

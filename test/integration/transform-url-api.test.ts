import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import type { ApiError, MediaPage } from '../../server/shared/api-types.js';
import { treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { uprightPicture } from '../helpers/thumbs.js';

/** RIAPI (ImageResizer / Imageflow) and Nano Image Server query names on `/image`. */
void describe('transform URL compatibility (RIAPI, Nano Image Server)', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let base = '';
  let clear = '';
  let original: Buffer;
  let digest: Map<string, string>;

  before(async () => {
    media = await tempDir('spis-urlapi-');
    original = await sharp(await uprightPicture(600, 400)).jpeg({ quality: 90 }).toBuffer();
    await writeFile(path.join(media.dir, 'wide.jpg'), original);
    // Half transparent: padding and flattening show their colours.
    await sharp({ create: { width: 200, height: 100, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } })
      .png()
      .toFile(path.join(media.dir, 'clear.png'));
    digest = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir, config: { thumbnails: { pregenerate: false } } });
    const items = (await api<MediaPage>(server, '/api/media')).body.items;
    base = `${server.url}/api/media/${items.find((item) => item.name === 'wide.jpg')!.id}`;
    clear = `${server.url}/api/media/${items.find((item) => item.name === 'clear.png')!.id}`;
  });
  after(async () => {
    await server?.close();
    await media?.remove();
  });

  async function get(url: string) {
    const response = await fetch(url, { headers: { accept: 'image/webp,*/*' } });
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200, `${url}: ${body.toString().slice(0, 200)}`);
    return { response, body, meta: await sharp(body).metadata() };
  }
  const pixels = (image: Buffer) => sharp(image).ensureAlpha().raw().toBuffer();

  void it('serves an alias from the render of its native equivalent, pixel for pixel', async () => {
    const pairs: Array<[string, string]> = [
      ['w=200&format=webp', 'width=200&format=webp'],
      ['h=120&format=webp', 'height=120&format=webp'],
      ['w=150&h=150&format=webp', 'maxwidth=150&maxheight=150&format=webp'],
      ['w=250&format=jpeg', 'w=125&dpr=2&format=jpg'],
      ['w=300&h=100&mode=pad&format=png', 'width=150&height=50&zoom=2&mode=pad&to=png'],
      ['w=900&upscale=true&format=webp', 'width=900&scale=both&format=webp'],
      ['w=100&grayscale=true&format=webp', 'w=100&filter=bw&format=webp'],
      ['w=100&blur=4&format=webp', 'w=100&filter=blur&f_param=4&format=webp'],
      ['w=100&flip=h&format=webp', 'w=100&transform=fliph&format=webp'],
      ['w=100&flip=v&format=webp', 'w=100&transform=flipv&format=webp'],
      ['w=100&flip=v&format=webp', 'w=100&rotate=180&flip=h&format=webp'],
      ['w=100&rotate=90&format=webp', 'w=100&transform=rotate&t_param=90&format=webp'],
      ['w=100&rotate=90&format=webp', 'w=100&srotate=90&format=webp'],
      ['w=100&rotate=180&format=webp', 'w=100&flip=xy&format=webp'],
      ['w=100&format=webp', 'w=100&resfilter=lanczos&scale=down&crop=0,0,0,0&format=webp'],
      ['w=100&h=100&mode=crop&format=webp', 'w=100&h=100&mode=crop&anchor=middlecenter&format=webp'],
    ];
    const transforms = server.spis.thumbs.transforms;
    for (const [native, alias] of pairs) {
      const first = await get(`${base}/image?${native}`);
      const renders = transforms.renders;
      const second = await get(`${base}/image?${alias}`);
      assert.equal(transforms.renders, renders, `${alias} rendered again instead of sharing ${native}`);
      assert.equal(second.response.headers.get('etag'), first.response.headers.get('etag'), alias);
      assert.ok((await pixels(second.body)).equals(await pixels(first.body)), alias);
    }
  });

  void it('turns, mirrors and crops the source like sharp step by step', async () => {
    const steps = async (...ops: Array<(image: Sharp) => Sharp>) => {
      let buffer = original;
      for (const op of ops) buffer = await op(sharp(buffer)).png().toBuffer();
      return pixels(buffer);
    };
    const cases: Array<[string, Buffer]> = [
      ['flip=v', await steps((i) => i.flip())],
      ['sflip=h&rotate=90', await steps((i) => i.flop(), (i) => i.rotate(90))],
      ['srotate=90&flip=y', await steps((i) => i.rotate(90), (i) => i.flip())],
      ['crop=100,50,-100,-50', await steps((i) => i.extract({ left: 100, top: 50, width: 400, height: 300 }))],
      ['crop=100,50,0,300&srotate=90', await steps((i) => i.rotate(90), (i) => i.extract({ left: 100, top: 50, width: 300, height: 250 }))],
      ['crop=100,50,0,300&rotate=90', await steps((i) => i.extract({ left: 100, top: 50, width: 500, height: 250 }), (i) => i.rotate(90))],
    ];
    for (const [query, expected] of cases) {
      const out = await get(`${base}/image?${query}&format=png`);
      assert.ok((await pixels(out.body)).equals(expected), query);
    }
    const outside = await api<ApiError>({ url: base }, '/image?crop=700,0,800,100');
    assert.equal(outside.status, 400);
    assert.match(outside.body.error.message, /^crop: expected a region inside the 600×400 picture/);
  });

  void it('anchors crops and pads, and pads with bgcolor', async () => {
    const box = 'w=200&h=200&mode=crop&format=png';
    const topLeft = await get(`${base}/image?${box}&anchor=topleft`);
    const reference = await sharp(original).resize(200, 200, { fit: 'cover', position: 'left top' }).png().toBuffer();
    assert.ok((await pixels(topLeft.body)).equals(await pixels(reference)));
    const centre = await get(`${base}/image?${box}`);
    assert.ok(!(await pixels(topLeft.body)).equals(await pixels(centre.body)));

    const padded = await get(`${base}/image?w=300&h=300&mode=pad&anchor=topcenter&bgcolor=ff0000&format=png`);
    assert.deepEqual([padded.meta.width, padded.meta.height], [300, 300]);
    const { data } = await sharp(padded.body).raw().toBuffer({ resolveWithObject: true });
    const bottom = (299 * 300 + 150) * (padded.meta.channels ?? 3);
    assert.deepEqual([...data.subarray(bottom, bottom + 3)], [255, 0, 0], 'padding below a top-anchored picture');

    // In a JPEG, transparency becomes the background colour (white unless bgcolor says otherwise).
    const onWhite = await sharp((await get(`${clear}/image?format=jpeg`)).body).stats();
    const onBlack = await sharp((await get(`${clear}/image?format=jpeg&bgcolor=black`)).body).stats();
    assert.ok(onWhite.channels[0]!.mean > 100 && onBlack.channels[0]!.mean < 20, `${onWhite.channels[0]!.mean} / ${onBlack.channels[0]!.mean}`);
  });

  void it('renders GIF, Nano filters and resampling filters', async () => {
    assert.equal((await get(`${base}/image?w=120&to=webp`)).response.headers.get('vary'), null, 'a format by alias does not vary by Accept');
    const gif = await get(`${base}/image?w=120&format=gif`);
    assert.equal(gif.meta.format, 'gif');
    assert.equal(gif.response.headers.get('content-type'), 'image/gif');
    const plain = await sharp((await get(`${base}/image?w=120&format=png`)).body).stats();
    const brighter = await sharp((await get(`${base}/image?w=120&format=png&filter=brighten&f_param=40`)).body).stats();
    assert.ok(brighter.channels[1]!.mean > plain.channels[1]!.mean + 25, 'brighten raises the mean');
    const contrasted = await sharp((await get(`${base}/image?w=120&format=png&filter=contrast&f_param=50`)).body).stats();
    assert.ok(contrasted.channels[0]!.stdev > plain.channels[0]!.stdev * 1.3, 'contrast spreads the values');
    const nearest = await get(`${base}/image?w=120&format=png&resfilter=nearest`);
    const triangle = await get(`${base}/image?w=120&format=png&resfilter=triangle`);
    const lanczos = await get(`${base}/image?w=120&format=png`);
    assert.ok(!(await pixels(nearest.body)).equals(await pixels(lanczos.body)));
    assert.ok(!(await pixels(triangle.body)).equals(await pixels(lanczos.body)));
  });

  void it('still rejects unknown keys and clashing names with 400', async () => {
    const bad: Array<[string, RegExp]> = [
      ['?size=10', /^size: expected a supported parameter/],
      ['?w=10&width=20', /^(w|width): expected not to be combined with (w|width)/],
      ['?flip=h&transform=flipv', /expected not to be combined with/],
      ['?filter=sepia', /^filter: expected one of blur, brighten, contrast, bw/],
      ['?f_param=3', /^f_param: expected a filter to go with it/],
      ['?scale=up', /^scale: expected down or both/],
      ['?anchor=north', /^anchor: expected one of topleft/],
      ['?to=tiff', /^format: expected one of/],
    ];
    for (const [query, message] of bad) {
      const response = await api<ApiError>({ url: base }, `/image${query}`);
      assert.equal(response.status, 400, query);
      assert.match(response.body.error.message, message, query);
    }
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
    assert.ok((await readFile(path.join(media.dir, 'wide.jpg'))).equals(original));
  });
});

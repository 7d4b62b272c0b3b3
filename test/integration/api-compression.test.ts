/**
 * Compressed JSON and format-named thumbnail URLs: what a phone downloads, byte for byte.
 * Raw sockets (node:http) so the encoding on the wire is seen, not undone by fetch.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import sharp from 'sharp';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { treeDigest, writeJpeg } from '../helpers/media.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(server: TestServer, url: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http
      .get(server.url + url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      })
      .on('error', reject);
  });
}

const decode = (raw: Raw): Buffer =>
  raw.headers['content-encoding'] === 'br'
    ? zlib.brotliDecompressSync(raw.body)
    : raw.headers['content-encoding'] === 'gzip'
      ? zlib.gunzipSync(raw.body)
      : raw.body;

void describe('compressed API responses and format-named thumbnails', () => {
  let server: TestServer;
  let media: Awaited<ReturnType<typeof tempDir>>;
  let digest: Map<string, string>;
  let items: ApiItem[];

  before(async () => {
    media = await tempDir('spis-compress-');
    for (let i = 0; i < 40; i++) {
      await writeJpeg(path.join(media.dir, `p${String(i).padStart(2, '0')}.jpg`), {
        width: 300,
        height: 200,
        color: `#${(0x102030 + i * 0x0a0b0c).toString(16).slice(-6)}`,
        taken: `2023:07:${String((i % 27) + 1).padStart(2, '0')} 12:00:00`,
      });
    }
    digest = await treeDigest(media.dir);
    server = await startTestServer({
      media: media.dir,
      config: { thumbnails: { avif: true, pregenerate: false } },
    });
    items = (JSON.parse((await get(server, '/api/media?limit=100')).body.toString()) as MediaPage)
      .items;
    assert.equal(items.length, 40);
  });
  after(async () => {
    await server?.close();
    assert.deepEqual(await treeDigest(media.dir), digest, 'the media folder is untouched');
    await media?.remove();
  });

  void it('sends a listing with brotli or gzip as asked, identical once decoded, and plain when not asked', async () => {
    const plain = await get(server, '/api/media?limit=100');
    assert.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: identity');
    assert.match(
      String(plain.headers.vary),
      /accept-encoding/i,
      'caches learn that the answer depends on Accept-Encoding',
    );
    for (const [accept, expected] of [
      ['gzip, deflate, br', 'br'],
      ['br;q=0.5, gzip', 'gzip'],
      ['gzip', 'gzip'],
      ['identity', undefined],
    ] as const) {
      const raw = await get(server, '/api/media?limit=100', { 'accept-encoding': accept });
      assert.equal(raw.status, 200);
      assert.equal(raw.headers['content-encoding'], expected, `Accept-Encoding: ${accept}`);
      assert.match(String(raw.headers['content-type']), /^application\/json/);
      assert.deepEqual(
        JSON.parse(decode(raw).toString()),
        JSON.parse(plain.body.toString()),
        `${accept}: same JSON once decoded`,
      );
      if (expected)
        assert.ok(
          raw.body.length < plain.body.length / 3,
          `${expected}: ${raw.body.length} bytes for ${plain.body.length}`,
        );
    }
  });

  void it('never sends a stale encoded listing: a change to an item is in the next br and gzip answers', async () => {
    const target = items[0]!;
    for (const accept of ['br', 'gzip']) {
      const first = await get(server, '/api/media?limit=100', { 'accept-encoding': accept });
      const again = await get(server, '/api/media?limit=100', { 'accept-encoding': accept });
      assert.deepEqual(again.body, first.body, `${accept}: the same page, the same bytes`);
      const wasFavorite = (JSON.parse(decode(first).toString()) as MediaPage).items[0]!.favorite;
      const change = await fetch(`${server.url}/api/media/${target.id}/favorite`, { method: wasFavorite ? 'DELETE' : 'PUT' });
      assert.equal(change.status, 200);
      const after = await get(server, '/api/media?limit=100', { 'accept-encoding': accept });
      assert.equal(after.headers['content-encoding'], accept);
      const item = (JSON.parse(decode(after).toString()) as MediaPage).items.find((i) => i.id === target.id);
      assert.equal(item?.favorite, !wasFavorite, `${accept}: the change is in the encoded page`);
    }
  });

  void it('leaves small answers alone (threshold)', async () => {
    const small = await get(server, '/api/session', { 'accept-encoding': 'br, gzip' });
    assert.ok(small.body.length < 1024, `a small answer (${small.body.length} bytes)`);
    assert.equal(small.headers['content-encoding'], undefined);
  });

  void it('never compresses thumbnails or originals, ranged or not, and they do not vary by encoding', async () => {
    const item = items[0]!;
    for (const url of [
      `${item.thumbs.small}&f=webp`,
      item.thumbs.large,
      `/api/media/${item.id}/original`,
    ]) {
      const raw = await get(server, url, { 'accept-encoding': 'br, gzip', accept: 'image/webp' });
      assert.equal(raw.status, 200, url);
      assert.equal(raw.headers['content-encoding'], undefined, `${url} is sent as is`);
      assert.doesNotMatch(String(raw.headers.vary ?? ''), /accept-encoding/i, url);
    }
    const ranged = await get(server, `/api/media/${item.id}/original`, {
      'accept-encoding': 'br, gzip',
      range: 'bytes=0-99',
    });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers['content-encoding'], undefined, 'a Range answer is never encoded');
    assert.equal(ranged.body.length, 100);
  });

  void it('answers a thumbnail URL that names its format with that format, whatever the Accept, without Vary: Accept', async () => {
    const item = items[1]!;
    const cases: Array<[string, string]> = [
      ['avif', 'image/avif'],
      ['webp', 'image/webp'],
      ['jpeg', 'image/jpeg'],
    ];
    for (const [f, type] of cases) {
      for (const accept of [
        'image/avif,image/webp,image/apng,image/*,*/*;q=0.8',
        '*/*',
        'image/jpeg',
      ]) {
        const raw = await get(server, `${item.thumbs.small}&f=${f}`, { accept });
        assert.equal(raw.status, 200);
        assert.equal(raw.headers['content-type'], type, `f=${f}, Accept: ${accept}`);
        assert.doesNotMatch(
          String(raw.headers.vary ?? ''),
          /accept(?!-)/i,
          'one URL, one answer: no Vary: Accept',
        );
        assert.match(String(raw.headers['cache-control']), /immutable/);
        const meta = await sharp(raw.body).metadata();
        assert.equal(meta.format === 'heif' ? 'image/avif' : `image/${meta.format}`, type);
      }
    }
    const etags = await Promise.all(
      ['avif', 'webp'].map(
        async (f) => (await get(server, `${item.thumbs.small}&f=${f}`)).headers.etag,
      ),
    );
    assert.notEqual(etags[0], etags[1], 'each format has its own validator');
    const revalidated = await get(server, `${item.thumbs.small}&f=avif`, {
      'if-none-match': String(etags[0]),
    });
    assert.equal(revalidated.status, 304);
    const bad = await get(server, `${item.thumbs.small}&f=gif`);
    assert.equal(bad.status, 400);
    assert.equal(
      (JSON.parse(bad.body.toString()) as { error: { code: string } }).error.code,
      'invalid_parameter',
    );
  });

  void it('falls back to a format the server makes when the named one is turned off', async () => {
    const off = await tempDir('spis-compress-data-');
    const other = await startTestServer({
      media: media.dir,
      data: off.dir,
      config: { thumbnails: { avif: false, pregenerate: false } },
    });
    try {
      const raw = await get(other, `${items[2]!.thumbs.small}&f=avif`);
      assert.equal(
        raw.headers['content-type'],
        'image/webp',
        'a client that decodes AVIF decodes WebP too',
      );
    } finally {
      await other.close();
      await off.remove();
    }
  });
});

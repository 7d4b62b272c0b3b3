import assert from 'node:assert/strict';
import { readFile, symlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { jpegBuffer, treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

void describe('GET /api/media/:id/original', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  let outside: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let item: ApiItem;
  let bytes: Buffer;
  let route: string;
  let digest: Map<string, string>;

  before(async () => {
    media = await tempDir('spis-original-');
    outside = await tempDir('spis-outside-');
    bytes = await jpegBuffer({ width: 300, height: 200, quality: 90 });
    assert.ok(bytes.length > 300, 'big enough for the ranges below');
    await writeFile(path.join(media.dir, 'photo.jpg'), bytes);
    digest = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir, config: { watch: { enabled: false } } });
    item = (await api<MediaPage>(server, '/api/media')).body.items[0]!;
    route = `${server.url}/api/media/${item.id}/original`;
  });
  after(async () => {
    await server?.close();
    await media?.remove();
    await outside?.remove();
  });

  const get = async (headers: Record<string, string> = {}) => {
    const response = await fetch(route, { headers });
    return { response, body: Buffer.from(await response.arrayBuffer()) };
  };

  void it('sends the whole file with type, length, validators and Accept-Ranges', async () => {
    const { response, body } = await get();
    assert.equal(response.status, 200);
    assert.ok(body.equals(bytes));
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    assert.equal(response.headers.get('content-length'), String(bytes.length));
    assert.equal(response.headers.get('accept-ranges'), 'bytes');
    assert.ok(response.headers.get('etag'));
    assert.ok(Date.parse(response.headers.get('last-modified') ?? '') > 0);
  });

  void it('serves the first bytes, a suffix and a middle range with 206', async () => {
    const size = bytes.length;
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=${Math.floor(size / 3)}-${Math.floor(size / 2)}`, Math.floor(size / 3), Math.floor(size / 2)],
      [`bytes=${size - 10}-`, size - 10, size - 1],
      [`bytes=${size - 5}-${size + 1000}`, size - 5, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const { response, body } = await get({ range });
      assert.equal(response.status, 206, range);
      assert.equal(response.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
      assert.equal(response.headers.get('content-length'), String(end - start + 1));
      assert.ok(body.equals(bytes.subarray(start, end + 1)), range);
    }
  });

  void it('answers 416 with the size for unsatisfiable ranges', async () => {
    for (const range of [`bytes=${bytes.length}-`, `bytes=${bytes.length + 10}-${bytes.length + 20}`]) {
      const { response, body } = await get({ range });
      assert.equal(response.status, 416, range);
      assert.equal(response.headers.get('content-range'), `bytes */${bytes.length}`);
      assert.equal(JSON.parse(body.toString()).error.code, 'range_not_satisfiable');
    }
  });

  void it('ignores malformed ranges and stale If-Range, as HTTP asks', async () => {
    const cases: Array<Record<string, string>> = [{ range: 'bytes=abc' }, { range: 'bytes=0-9', 'if-range': '"other"' }];
    for (const headers of cases) {
      const { response, body } = await get(headers);
      assert.equal(response.status, 200);
      assert.equal(body.length, bytes.length);
    }
    const etag = (await get()).response.headers.get('etag')!;
    const { response } = await get({ range: 'bytes=0-9', 'if-range': etag });
    assert.equal(response.status, 206);
  });

  void it('answers 304 to If-None-Match and If-Modified-Since', async () => {
    const first = (await get()).response;
    assert.equal((await get({ 'if-none-match': first.headers.get('etag')! })).response.status, 304);
    assert.equal((await get({ 'if-modified-since': first.headers.get('last-modified')! })).response.status, 304);
    assert.equal((await get({ 'if-none-match': '"nope"' })).response.status, 200);
  });

  void it('refuses a file swapped for a symlink leading outside the media folder', async () => {
    await writeFile(path.join(outside.dir, 'secret.jpg'), 'secret');
    const file = path.join(media.dir, 'photo.jpg');
    await rm(file);
    await symlink(path.join(outside.dir, 'secret.jpg'), file);
    try {
      const response = await api(server, `/api/media/${item.id}/original`);
      assert.equal(response.status, 404);
      assert.doesNotMatch(JSON.stringify(response.body), /spis-/);
    } finally {
      await rm(file);
      await writeFile(file, bytes);
    }
    assert.ok((await readFile(file)).equals(bytes));
  });

  void it('left the media folder byte-identical apart from the restored file', async () => {
    const now = await treeDigest(media.dir);
    assert.deepEqual([...now.keys()], [...digest.keys()]);
    assert.equal(now.get('photo.jpg')!.split(':')[2], digest.get('photo.jpg')!.split(':')[2]);
  });
});

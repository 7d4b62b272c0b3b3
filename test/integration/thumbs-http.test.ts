import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { jpegBuffer, treeDigest, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

const thumbFiles = async (data: string, id: string) =>
  (await readdir(path.join(data, 'thumbs', id.slice(0, 2), id)).catch(() => [] as string[])).sort();

async function items(server: TestServer): Promise<ApiItem[]> {
  return (await api<MediaPage>(server, '/api/media?limit=500')).body.items;
}

void describe('thumbnail HTTP contract', () => {
  let server: TestServer;
  let media: Awaited<ReturnType<typeof tempDir>>;
  let item: ApiItem;
  let digest: Map<string, string>;

  before(async () => {
    media = await tempDir('spis-thumbs-');
    await writeJpeg(path.join(media.dir, 'a.jpg'), { width: 900, height: 600, color: '#d04020', taken: '2023:07:14 18:22:05' });
    await writeJpeg(path.join(media.dir, 'many.jpg'), { width: 800, height: 800, color: '#2080d0', taken: '2021:01:01 10:00:00' });
    // Display P3 pixels of sRGB #20c040, tagged with the P3 profile (as iPhones write them).
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#20c040' } })
      .withIccProfile('p3')
      .jpeg({ quality: 95 })
      .toFile(path.join(media.dir, 'p3.jpg'));
    digest = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir, config: { thumbnails: { avif: true, pregenerate: false } } });
    item = (await items(server)).find((candidate) => candidate.name === 'a.jpg')!;
  });
  after(async () => {
    await server?.close();
    await media?.remove();
  });

  void it('chooses AVIF, WebP or JPEG from Accept and says it varies', async () => {
    const cases: Array<[string | null, string]> = [
      ['image/avif,image/webp,*/*;q=0.8', 'image/avif'],
      ['image/webp,*/*', 'image/webp'],
      ['image/avif;q=0,image/webp', 'image/webp'],
      ['*/*', 'image/jpeg'],
      [null, 'image/jpeg'],
    ];
    for (const [accept, expected] of cases) {
      const response = await fetch(server.url + item.thumbs.small, accept ? { headers: { accept } } : {});
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), expected, `Accept: ${accept}`);
      assert.match(response.headers.get('vary') ?? '', /accept/i);
      const meta = await sharp(body).metadata();
      assert.equal(meta.format === 'heif' ? 'image/avif' : `image/${meta.format}`, expected);
      assert.deepEqual([meta.width, meta.height], [400, 267]);
    }
  });

  void it('large never exceeds the original and has no metadata', async () => {
    const response = await fetch(server.url + item.thumbs.large, { headers: { accept: 'image/webp' } });
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [900, 600]);
    assert.equal(meta.exif, undefined);
  });

  void it('answers 304 for a matching ETag and caches immutably only for the current version', async () => {
    const first = await fetch(server.url + item.thumbs.small, { headers: { accept: 'image/webp' } });
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    assert.ok(etag);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const again = await fetch(server.url + item.thumbs.small, { headers: { accept: 'image/webp', 'if-none-match': etag } });
    assert.equal(again.status, 304);
    const otherFormat = await fetch(server.url + item.thumbs.small, { headers: { accept: 'image/jpeg', 'if-none-match': etag } });
    assert.equal(otherFormat.status, 200, 'an ETag of another format does not match');
    await otherFormat.arrayBuffer();
    for (const route of [`/api/media/${item.id}/thumb/small?v=stale`, `/api/media/${item.id}/thumb/small`]) {
      const response = await fetch(server.url + route, { headers: { accept: 'image/webp' } });
      await response.arrayBuffer();
      assert.equal(response.status, 200);
      assert.doesNotMatch(response.headers.get('cache-control') ?? '', /immutable/);
      assert.match(response.headers.get('cache-control') ?? '', /max-age=60\b/);
    }
  });

  void it('converts colour profiles to sRGB and strips the profile', async () => {
    const p3 = (await items(server)).find((candidate) => candidate.name === 'p3.jpg')!;
    const response = await fetch(server.url + p3.thumbs.small, { headers: { accept: 'image/webp' } });
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal((await sharp(body).metadata()).icc, undefined);
    const [red = 0, green = 0, blue = 0] = await sharp(body).raw().toBuffer();
    // Read as if it were sRGB, the stored P3 values would give red ≈ 92.
    assert.ok(Math.abs(red - 0x20) <= 10 && Math.abs(green - 0xc0) <= 10 && Math.abs(blue - 0x40) <= 10, `${red},${green},${blue}`);
  });

  void it('rejects unknown sizes and ids', async () => {
    assert.equal((await api(server, `/api/media/${item.id}/thumb/huge`)).status, 400);
    assert.equal((await api(server, `/api/media/AAAAAAAAAAAAAAAA/thumb/small`)).status, 404);
  });

  void it('renders once for 50 parallel requests of one missing thumbnail', async () => {
    const target = (await items(server)).find((candidate) => candidate.name === 'many.jpg')!;
    assert.deepEqual(await thumbFiles(server.data, target.id), [], 'not rendered yet');
    const before = server.spis.thumbs.service.renders;
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => fetch(server.url + target.thumbs.large, { headers: { accept: 'image/webp' } })),
    );
    const bodies = await Promise.all(responses.map(async (response) => Buffer.from(await response.arrayBuffer())));
    assert.ok(responses.every((response) => response.status === 200));
    assert.ok(bodies.every((body) => body.equals(bodies[0]!)));
    assert.equal(server.spis.thumbs.service.renders - before, 1);
    assert.deepEqual(await thumbFiles(server.data, target.id), [`${target.version}-large.webp`]);
  });

  void it('reports the queue in /api/status', async () => {
    const { body } = await api<{ thumbnails: Record<string, unknown> }>(server, '/api/status');
    assert.equal(typeof body.thumbnails.queued, 'number');
    assert.equal(typeof body.thumbnails.renders, 'number');
    assert.equal(body.thumbnails.enabled, false);
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
  });
});

void describe('thumbnail lifecycle', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.close());

  void it('announces a new photo only once its small thumbnail and placeholder exist', async () => {
    const announced = new Promise<{ item: ApiItem; files: string[] }>((resolve) => {
      server.spis.bus.once('media.added', ({ item }) => void thumbFiles(server.data, item.id).then((files) => resolve({ item, files })));
    });
    await writeJpeg(path.join(server.media, 'new.jpg'), { width: 500, height: 300, color: '#30a050' });
    const { item, files } = await announced;
    assert.deepEqual(files, [`${item.version}-small.webp`]);
    assert.ok(item.placeholder && Buffer.from(item.placeholder, 'base64').length > 5, 'thumbhash placeholder');
  });

  void it('pre-generates small thumbnails for the library, newest first, and reports progress', async () => {
    await writeJpeg(path.join(server.media, 'old.jpg'), { width: 300, height: 200, taken: '2001:01:01 00:00:00' });
    const all = await waitFor(async () => {
      const list = await items(server);
      if (list.length !== 2 || !list.every((entry) => entry.placeholder)) return undefined;
      for (const entry of list) if ((await thumbFiles(server.data, entry.id)).join() !== `${entry.version}-small.webp`) return undefined;
      return list;
    }, { what: 'placeholders and small thumbnails for both items', timeoutMs: 15_000 });
    assert.equal(all.length, 2);
    const { body } = await api<{ thumbnails: { queued: number; enabled: boolean } }>(server, '/api/status');
    assert.equal(body.thumbnails.enabled, true);
    assert.equal(body.thumbnails.queued, 0);
  });

  void it('a changed file gets new thumbnails and the old ones are deleted', async () => {
    const before = (await items(server)).find((entry) => entry.name === 'new.jpg')!;
    await writeFile(path.join(server.media, 'new.jpg'), await jpegBuffer({ width: 640, height: 640, color: '#101010' }));
    const after = await waitFor(async () => {
      const found = (await items(server)).find((entry) => entry.name === 'new.jpg');
      return found && found.version !== before.version && found.placeholder ? found : undefined;
    }, { what: 'the changed item', timeoutMs: 10_000 });
    assert.equal(after.id, before.id);
    await waitFor(async () => ((await thumbFiles(server.data, after.id)).join() === `${after.version}-small.webp` ? true : undefined), {
      what: 'old thumbnails deleted',
    });
    const response = await fetch(server.url + after.thumbs.small, { headers: { accept: 'image/webp' } });
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [400, 400]);
  });

  void it("a deleted file's thumbnails are cleaned up", async () => {
    const gone = (await items(server)).find((entry) => entry.name === 'old.jpg')!;
    assert.notDeepEqual(await thumbFiles(server.data, gone.id), []);
    await rm(path.join(server.media, 'old.jpg'));
    await waitFor(async () => ((await thumbFiles(server.data, gone.id)).length === 0 ? true : undefined), {
      what: 'thumbnails of a deleted file removed',
    });
    assert.equal((await api(server, gone.thumbs.small)).status, 404);
  });
});

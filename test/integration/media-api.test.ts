import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiItem, ApiItemDetail, FolderNode, MediaPage, TimelineBucket } from '../../server/shared/api-types.js';
import { jpegBuffer, treeDigest, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

/** Walks every page; `between` runs after each page (to change the library mid-walk). */
async function walkAll(server: TestServer, query: string, between?: (page: number) => Promise<void>) {
  const items: ApiItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const sep = query ? '&' : '';
    const route: string = `/api/media?${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`;
    const { status, body }: { status: number; body: MediaPage } = await api<MediaPage>(server, route);
    assert.equal(status, 200, JSON.stringify(body));
    items.push(...body.items);
    if (!body.nextCursor) return items;
    cursor = body.nextCursor;
    await between?.(page);
  }
  throw new Error('paging never ended');
}

function assertOrdered(items: ApiItem[], order: 'asc' | 'desc') {
  for (let i = 1; i < items.length; i++) {
    const a = items[i - 1]!;
    const b = items[i]!;
    const ta = Date.parse(a.takenAt);
    const tb = Date.parse(b.takenAt);
    const cmp = ta !== tb ? ta - tb : a.id < b.id ? -1 : 1;
    assert.ok(order === 'asc' ? cmp < 0 : cmp > 0, `out of order at ${i}: ${a.takenAt} ${a.id} / ${b.takenAt} ${b.id}`);
  }
}

describe('GET /api/media paging', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let digestBefore: Map<string, string>;

  before(async () => {
    media = await tempDir('spis-media-');
    const same = await jpegBuffer({ taken: '2022:06:01 12:00:00', offset: '+00:00' });
    for (let i = 0; i < 250; i++) await writeFile(path.join(media.dir, `same-${String(i).padStart(3, '0')}.jpg`), same);
    for (let i = 0; i < 60; i++) {
      const month = String((i % 12) + 1).padStart(2, '0');
      await writeJpeg(path.join(media.dir, `${2020 + (i % 3)}`, `m${month}`, `p${i}.jpg`), {
        taken: `${2020 + (i % 3)}:${month}:10 08:00:${String(i % 60).padStart(2, '0')}`,
        offset: '+01:00',
        color: `#${(i * 40503).toString(16).padStart(6, '0').slice(0, 6)}`,
      });
    }
    digestBefore = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir });
  });
  after(async () => {
    await server.close();
    assert.deepEqual(await treeDigest(media.dir), digestBefore, 'the media folder must never be written to');
    await media.remove();
  });

  it('returns every item exactly once and in order, across pages of items sharing one takenAt', async () => {
    for (const [limit, order] of [[37, 'desc'], [100, 'asc'], [1, 'desc']] as const) {
      if (limit === 1 && order === 'desc') {
        const few = await walkAll(server, `limit=${limit}&order=${order}&year=2020`);
        assert.equal(few.length, 20);
        assertOrdered(few, order);
        continue;
      }
      const items = await walkAll(server, `limit=${limit}&order=${order}`);
      assert.equal(items.length, 310);
      assert.equal(new Set(items.map((i) => i.id)).size, 310);
      assertOrdered(items, order);
    }
  });

  it('still yields each existing item exactly once while files are added during the walk', async () => {
    const existing = new Set((await walkAll(server, 'limit=500')).map((i) => i.id));
    let added = 0;
    const items = await walkAll(server, 'limit=25', async (page) => {
      // New files both newer and older than the walk position, and at the shared instant.
      for (const taken of ['2030:01:01 00:00:00', '2000:01:01 00:00:00', '2022:06:01 12:00:00']) {
        await writeJpeg(path.join(server.media, 'incoming', `new-${page}-${taken.slice(0, 4)}.jpg`), {
          taken, offset: '+00:00', color: `#${(page * 7919 + 17).toString(16).padStart(6, '0').slice(0, 6)}`,
        });
        added++;
      }
    });
    const ids = items.map((i) => i.id);
    assert.equal(new Set(ids).size, ids.length, 'no item may appear twice');
    for (const id of existing) assert.ok(ids.includes(id), `existing item ${id} was skipped`);
    assertOrdered(items, 'desc');
    assert.ok(added > 0);
    // Leave the media folder as it was for the digest check.
    const { rm } = await import('node:fs/promises');
    await rm(path.join(server.media, 'incoming'), { recursive: true });
    digestBefore = await treeDigest(media.dir);
  });
});

describe('filters, marks, timeline and folders', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  before(async () => {
    media = await tempDir('spis-media-');
    await writeJpeg(path.join(media.dir, '2023', 'Summer', 'IMG_0001.jpg'), {
      taken: '2023:07:14 18:22:05', offset: '+02:00', make: 'Canon', model: 'EOS R6', width: 80, height: 60,
    });
    await writeJpeg(path.join(media.dir, '2023', 'Winter', 'beach.jpg'), { taken: '2023:01:05 10:00:00', offset: '+01:00', color: '#ff0000' });
    await writeJpeg(path.join(media.dir, 'root.jpg'), { taken: '2021:03:03 03:03:03', offset: '-05:00', color: '#00ff00' });
    server = await startTestServer({ media: media.dir });
  });
  after(async () => {
    await server.close();
    await media.remove();
  });

  const paths = async (query: string) =>
    (await api<MediaPage>(server, `/api/media?${query}`)).body.items.map((i) => i.path);

  it('serves items with the documented shape and no absolute paths', async () => {
    const { body } = await api<MediaPage>(server, '/api/media?q=img_0001');
    const item = body.items[0]!;
    assert.equal(item.path, '2023/Summer/IMG_0001.jpg');
    assert.equal(item.name, 'IMG_0001.jpg');
    assert.equal(item.type, 'image');
    assert.equal(item.mime, 'image/jpeg');
    assert.equal(item.takenAt, '2023-07-14T18:22:05+02:00');
    assert.equal(item.takenAtSource, 'exif');
    assert.deepEqual([item.width, item.height], [80, 60]);
    assert.deepEqual(item.camera, { make: 'Canon', model: 'EOS R6' });
    assert.match(item.id, /^[A-Za-z0-9_-]{16}$/);
    assert.equal(item.thumbs.small, `/api/media/${item.id}/thumb/small?v=${item.version}`);
    const detail = await api<ApiItemDetail>(server, `/api/media/${item.id}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.exif.Model, 'EOS R6');
    for (const route of ['/api/media', `/api/media/${item.id}`, '/api/status', '/api/folders', '/api/timeline']) {
      const text = await (await fetch(server.url + route)).text();
      assert.ok(!text.includes(server.media) && !text.includes(server.data), `${route} leaks a server path`);
    }
  });

  it('filters by year, month, folder, text and type', async () => {
    assert.deepEqual(await paths('year=2023'), ['2023/Summer/IMG_0001.jpg', '2023/Winter/beach.jpg']);
    assert.deepEqual(await paths('year=2023&month=1'), ['2023/Winter/beach.jpg']);
    assert.deepEqual(await paths('folder=2023/Summer'), ['2023/Summer/IMG_0001.jpg']);
    assert.deepEqual(await paths('folder=2023'), ['2023/Summer/IMG_0001.jpg', '2023/Winter/beach.jpg']);
    assert.deepEqual(await paths('q=BEACH'), ['2023/Winter/beach.jpg']);
    assert.deepEqual(await paths('type=video'), []);
    assert.deepEqual(await paths('order=asc'), ['root.jpg', '2023/Winter/beach.jpg', '2023/Summer/IMG_0001.jpg']);
  });

  it('marks favorites and archive idempotently and filters by them', async () => {
    const [item] = (await api<MediaPage>(server, '/api/media?q=root')).body.items;
    assert.ok(item);
    for (let i = 0; i < 2; i++) {
      const { status, body }: { status: number; body: ApiItem } = await api<ApiItem>(server, `/api/media/${item.id}/favorite`, {
        method: 'PUT',
      });
      assert.equal(status, 200);
      assert.equal(body.favorite, true);
    }
    assert.deepEqual(await paths('favorite=true'), ['root.jpg']);
    assert.equal((await api<ApiItem>(server, `/api/media/${item.id}/archive`, { method: 'PUT' })).body.archived, true);
    assert.ok(!(await paths('')).includes('root.jpg'), 'archived items leave the timeline');
    assert.deepEqual(await paths('archived=true'), ['root.jpg']);
    assert.deepEqual(await paths('archived=true&favorite=true'), ['root.jpg']);
    const status = await api<{ items: { favorites: number; archived: number } }>(server, '/api/status');
    assert.deepEqual([status.body.items.favorites, status.body.items.archived], [1, 1]);
    await api(server, `/api/media/${item.id}/archive`, { method: 'DELETE' });
    const unfav = await api<ApiItem>(server, `/api/media/${item.id}/favorite`, { method: 'DELETE' });
    assert.equal(unfav.body.favorite, false);
    assert.ok((await paths('')).includes('root.jpg'));
    assert.deepEqual(await paths('favorite=true'), []);
  });

  it('builds the timeline and the folder tree with the same filters', async () => {
    const timeline = await api<TimelineBucket[]>(server, '/api/timeline');
    assert.deepEqual(timeline.body, [
      { year: 2023, month: 7, count: 1 }, { year: 2023, month: 1, count: 1 }, { year: 2021, month: 3, count: 1 },
    ]);
    assert.deepEqual((await api<TimelineBucket[]>(server, '/api/timeline?year=2021')).body, [{ year: 2021, month: 3, count: 1 }]);
    const folders = await api<FolderNode>(server, '/api/folders');
    assert.equal(folders.body.count, 3);
    const y2023 = folders.body.children.find((c) => c.name === '2023');
    assert.deepEqual(y2023?.children.map((c) => [c.path, c.count]), [['2023/Summer', 1], ['2023/Winter', 1]]);
  });

  it('answers bad parameters with a precise 400 and unknown items with 404', async () => {
    const cases: Array<[string, number, string]> = [
      ['/api/media?cursor=bogus', 400, 'cursor'],
      ['/api/media?limit=100000', 400, 'limit'],
      ['/api/media?year=2023&month=13', 400, 'month'],
      ['/api/media?limit=-1', 400, 'limit'],
      ['/api/media?favorite=1', 400, 'favorite'],
      ['/api/timeline?limit=5', 400, 'limit'],
      ['/api/media/AAAAAAAAAAAAAAAA', 404, 'not found'],
      ['/api/media/..%2F..%2Fetc%2Fpasswd', 404, 'not found'],
      ['/api/nothing-here', 404, 'no such API route'],
    ];
    for (const [route, status, mention] of cases) {
      const response = await api<{ error: { code: string; message: string } }>(server, route);
      assert.equal(response.status, status, route);
      assert.ok(response.body.error.message.includes(mention), `${route}: ${response.body.error.message}`);
      assert.match(response.body.error.code, /^[a-z_]+$/);
    }
    const wrongMethod = await api(server, '/api/media', { method: 'POST' });
    assert.equal(wrongMethod.status, 405);
  });
});

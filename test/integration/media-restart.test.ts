import assert from 'node:assert/strict';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BusEvents } from '../../server/events/bus.js';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { jpegBuffer, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir } from '../helpers/spis.js';

interface Status {
  items: { total: number; favorites: number };
  scan: { state: string; metadataReads: number };
}

describe('restart', () => {
  let media: { dir: string; remove: () => Promise<void> };
  let data: { dir: string; remove: () => Promise<void> };

  before(async () => {
    media = await tempDir('spis-media-');
    data = await tempDir('spis-data-');
    // 2,000 files: 40 folders of 50, a handful of distinct images written many times.
    const buffers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => jpegBuffer({ taken: `2015:0${i + 1}:0${i + 1} 10:00:00`, offset: '+00:00', width: 16, height: 12 })),
    );
    for (let folder = 0; folder < 40; folder++) {
      await mkdir(path.join(media.dir, `f${folder}`));
      await Promise.all(
        Array.from({ length: 50 }, (_, n) =>
          writeFile(path.join(media.dir, `f${folder}`, `img${n}.jpg`), buffers[(folder + n) % 8]!),
        ),
      );
    }
  });
  after(async () => {
    await media.remove();
    await data.remove();
  });

  it('reads no metadata for 2,000 unchanged files and keeps favorites', async () => {
    // Thumbnail pre-generation is not what this test is about; keep the first start lean.
    const config = { thumbnails: { pregenerate: false } };
    const first = await startTestServer({ media: media.dir, data: data.dir, config });
    const firstStatus = await api<Status>(first, '/api/status');
    assert.equal(firstStatus.body.items.total, 2000);
    assert.equal(firstStatus.body.scan.metadataReads, 2000);
    const page = await api<MediaPage>(first, '/api/media?folder=f7&limit=1');
    const favorite = page.body.items[0]!;
    await api<ApiItem>(first, `/api/media/${favorite.id}/favorite`, { method: 'PUT' });
    await first.close();

    const second = await startTestServer({ media: media.dir, data: data.dir, config });
    try {
      const status = await api<Status>(second, '/api/status');
      assert.equal(status.body.scan.state, 'watching');
      assert.equal(status.body.items.total, 2000);
      assert.equal(status.body.scan.metadataReads, 0, 'a warm restart must not read EXIF of unchanged files');
      const again = await api<ApiItem>(second, `/api/media/${favorite.id}`);
      assert.equal(again.status, 200);
      assert.equal(again.body.favorite, true);
    } finally {
      await second.close();
    }

    // A file added while stopped is the only one read at the next start.
    await writeJpeg(path.join(media.dir, 'f0', 'while-stopped.jpg'), { taken: '2016:01:01 00:00:00', color: '#777777' });
    const third = await startTestServer({ media: media.dir, data: data.dir, config });
    try {
      const status = await api<Status>(third, '/api/status');
      assert.equal(status.body.items.total, 2001);
      assert.equal(status.body.scan.metadataReads, 1);
    } finally {
      await third.close();
    }
  });

  it('serves the snapshot at once, then verifies it and announces what changed while stopped', { timeout: 60_000 }, async () => {
    const small = await tempDir('spis-media-');
    const smallData = await tempDir('spis-data-');
    try {
      const config = { thumbnails: { pregenerate: false } };
      await writeJpeg(path.join(small.dir, 'gone.jpg'), { color: '#aa0000' });
      await writeJpeg(path.join(small.dir, 'fav.jpg'), { color: '#00aa00' });
      await writeJpeg(path.join(small.dir, 'keep', 'edited.jpg'), { color: '#0000aa' });
      await writeJpeg(path.join(small.dir, 'keep', 'same.jpg'), { color: '#aaaaaa' });
      const first = await startTestServer({ media: small.dir, data: smallData.dir, config });
      const byPath = async (p: string) => (await api<MediaPage>(first, '/api/media?limit=100')).body.items.find((i) => i.path === p)!;
      const gone = await byPath('gone.jpg');
      await api(first, `/api/media/${(await byPath('fav.jpg')).id}/favorite`, { method: 'PUT' });
      await first.close();

      await rm(path.join(small.dir, 'gone.jpg'));
      await mkdir(path.join(small.dir, 'moved'));
      await rename(path.join(small.dir, 'fav.jpg'), path.join(small.dir, 'moved', 'fav.jpg'));
      await writeJpeg(path.join(small.dir, 'keep', 'edited.jpg'), { color: '#0000ff', width: 40 });
      await writeJpeg(path.join(small.dir, 'new.jpg'), { color: '#ff00ff' });

      const second = await startTestServer({ media: small.dir, data: smallData.dir, config, waitReady: false });
      try {
        const events: Array<{ name: string; path: string; favorite?: boolean }> = [];
        const { bus, library } = second.spis;
        const item = (name: string) => (e: BusEvents['media.added'][0]) => events.push({ name, path: e.item.path, favorite: e.item.favorite });
        bus.on('media.added', item('added'));
        bus.on('media.updated', item('updated'));
        bus.on('media.removed', (e) => events.push({ name: 'removed', path: e.path }));
        bus.on('index.completed', (e) => events.push({ name: `completed ${e.count} ${e.firstIndex}`, path: '' }));

        await library.ready;
        // Served from the snapshot: the walk has not run yet, so it still lists the removed file.
        assert.equal(library.scan.phase, 'verifying');
        assert.equal(library.isReady, true);
        assert.equal(library.index.getByPath('gone.jpg')?.id, gone.id);
        assert.equal((await api(second, '/probe/ready')).status, 200);

        await library.verified;
        assert.equal(library.scan.phase, 'watching');
        const sorted = events.slice(0, -1).sort((a, b) => a.path.localeCompare(b.path));
        assert.deepEqual(sorted, [
          { name: 'removed', path: 'fav.jpg' },
          { name: 'removed', path: 'gone.jpg' },
          { name: 'updated', path: 'keep/edited.jpg', favorite: false },
          { name: 'added', path: 'moved/fav.jpg', favorite: true },
          { name: 'added', path: 'new.jpg', favorite: false },
        ]);
        assert.deepEqual(events.at(-1), { name: 'completed 4 false', path: '' }, 'index.completed comes last');
        const status = await api<Status>(second, '/api/status');
        assert.equal(status.body.scan.state, 'watching');
        assert.equal(status.body.scan.metadataReads, 3, 'only the moved, edited and new files are read');
        assert.equal(status.body.items.favorites, 1);
      } finally {
        await second.close();
      }
    } finally {
      await small.remove();
      await smallData.remove();
    }
  });

  // Over the library the first test left behind: 2,001 files and their snapshot.
  it('stopped while verifying, announces nothing as completed or removed', { timeout: 60_000 }, async () => {
    const config = { thumbnails: { pregenerate: false } };
    const server = await startTestServer({ media: media.dir, data: data.dir, config, waitReady: false });
    const announced: string[] = [];
    server.spis.bus.on('index.completed', () => announced.push('index.completed'));
    server.spis.bus.on('media.removed', (e) => announced.push(`removed ${e.path}`));
    try {
      await server.spis.library.ready;
      assert.equal(server.spis.library.scan.phase, 'verifying');
      // Before the walk has listed a single folder: nothing it has not seen may count as gone.
      await server.spis.library.close();
      await server.spis.start();
      assert.deepEqual(announced, []);
      assert.equal(server.spis.library.index.size, 2001, 'the snapshot is kept whole');
      assert.ok(server.logs.some((line) => line.msg === 'start-up walk stopped by shutdown'));
    } finally {
      await server.close();
    }
  });
});

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
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
      const { mkdir } = await import('node:fs/promises');
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
});

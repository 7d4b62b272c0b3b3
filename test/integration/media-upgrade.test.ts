import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { snapshotPath } from '../../server/media/snapshot.js';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { jpegBuffer, run } from '../helpers/media.js';
import { api, startTestServer, tempDir } from '../helpers/spis.js';

/**
 * A library indexed by an older spis: its snapshot (format 4) holds dates by the old rules,
 * e.g. an edit time (ModifyDate) taken as the capture date. Upgrading must re-read the files
 * and keep favorites, which are keyed by content, not by the snapshot.
 */
describe('upgrading a library indexed by the old date rules', () => {
  let media: { dir: string; remove: () => Promise<void> };
  let data: { dir: string; remove: () => Promise<void> };

  before(async () => {
    await run('exiftool', ['-ver']).catch(() => {
      throw new Error('exiftool is missing: sudo apt-get install -y libimage-exiftool-perl');
    });
    media = await tempDir('spis-media-');
    data = await tempDir('spis-data-');
    const file = path.join(media.dir, 'scan.jpg');
    await writeFile(file, await jpegBuffer({ color: '#556677' }));
    await run('exiftool', [
      '-q',
      '-overwrite_original',
      '-XMP-photoshop:DateCreated=1987-06-05T04:03:02+01:00',
      '-IFD0:ModifyDate=2024:01:01 10:00:00',
      file,
    ]);
  });
  after(async () => {
    await media.remove();
    await data.remove();
  });

  it('re-reads dates from an old-format snapshot and keeps favorites', async () => {
    const config = { thumbnails: { pregenerate: false } };
    const first = await startTestServer({ media: media.dir, data: data.dir, config });
    const [item] = (await api<MediaPage>(first, '/api/media')).body.items;
    assert.equal(item!.takenAt, '1987-06-05T04:03:02+01:00');
    await api<ApiItem>(first, `/api/media/${item!.id}/favorite`, { method: 'PUT' });
    await first.close();

    // Turn the snapshot into what the previous release wrote: format 4, without the new
    // columns, holding the date the old rules gave (ModifyDate, read as exif).
    const snapshot = JSON.parse(await readFile(snapshotPath(data.dir), 'utf8')) as {
      format: number;
      fields: string[];
      columns: unknown[];
    };
    const drop = new Set(['takenAtOffsetSource', 'sidecarMtimeMs']);
    const keep = snapshot.fields.map((field) => !drop.has(field));
    snapshot.columns = snapshot.columns.filter((_, i) => keep[i]);
    snapshot.fields = snapshot.fields.filter((_, i) => keep[i]);
    snapshot.format = 4;
    const takenAt = snapshot.fields.indexOf('takenAtMs');
    snapshot.columns[takenAt] = [Date.parse('2024-01-01T10:00:00Z')];
    await writeFile(snapshotPath(data.dir), JSON.stringify(snapshot));

    const second = await startTestServer({ media: media.dir, data: data.dir, config });
    try {
      const again = await api<ApiItem>(second, `/api/media/${item!.id}`);
      assert.equal(again.body.takenAt, '1987-06-05T04:03:02+01:00');
      assert.equal(again.body.takenAtSource, 'xmp');
      assert.equal(again.body.favorite, true);
    } finally {
      await second.close();
    }
  });
});

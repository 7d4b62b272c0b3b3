import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readExifDetail } from '../../server/media/exif-detail.js';
import { jpegBuffer } from '../helpers/media.js';
import { tempDir } from '../helpers/spis.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('item detail EXIF', () => {
  it('reads the panel fields, cleaned', async () => {
    const dir = await tempDir('spis-exif-detail-');
    try {
      const file = path.join(dir.dir, 'a.jpg');
      await writeFile(file, await jpegBuffer({ make: 'Canon\u0000', model: 'EOS R6', taken: '2023:07:14 18:22:05', offset: '+02:00' }));
      const detail = await readExifDetail(file);
      assert.equal(detail.Make, 'Canon');
      assert.equal(detail.Model, 'EOS R6');
      assert.equal(detail.DateTimeOriginal, '2023:07:14 18:22:05');
      assert.equal(detail.OffsetTimeOriginal, '+02:00');
      assert.deepEqual(await readExifDetail(path.join(dir.dir, 'missing.jpg')), {});
    } finally {
      await dir.remove();
    }
  });

  it('does not grow the heap with every request', async () => {
    const dir = await tempDir('spis-exif-leak-');
    try {
      const file = path.join(dir.dir, 'a.jpg');
      await writeFile(file, await jpegBuffer({ make: 'Canon', model: 'EOS R6', taken: '2023:07:14 18:22:05' }));
      for (let i = 0; i < 200; i++) await readExifDetail(file); // warm up: JIT, exifr's own setup
      const before = heapAfterGc();
      for (let i = 0; i < 2000; i++) await readExifDetail(file);
      const grown = heapAfterGc() - before;
      // A fresh exifr options object per call kept about 8 KB each: 16 MB for 2,000 calls.
      assert.ok(grown < 3 * 1024 * 1024, `heap grew by ${Math.round(grown / 1024)} KiB over 2,000 reads`);
    } finally {
      await dir.remove();
    }
  });
});

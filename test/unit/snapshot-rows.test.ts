import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { MediaRecord } from '../../server/media/record.js';
import { readSnapshot, snapshotFields, snapshotPath, writeSnapshot } from '../../server/media/snapshot.js';

const record = (n: number): MediaRecord => ({
  id: `id${String(n).padStart(14, '0')}`, path: `2023/${n}.jpg`, type: n % 2 ? 'video' : 'image', mime: 'image/jpeg',
  takenAtMs: 1_700_000_000_000 + n, offsetMin: 120, takenAtSource: 'exif', takenAtOffsetSource: n % 2 ? 'file' : 'gps', yearMonth: 202311, width: 4032 + n,
  height: 3024, orientation: 6, size: 1000 + n, mtimeMs: 1_690_000_000_000, fingerprint: `fp${n}`, version: `v${n}`,
  durationMs: n % 2 ? 1500 : null, placeholder: n % 3 ? 'abc' : null, make: n % 3 ? 'Apple' : null, model: null, lat: 59.9, lon: n % 2 ? 10.7 : null,
  sidecarMtimeMs: n % 2 ? 1_690_000_000_500 : null,
  videoStreams: n % 2 ? 'v1|mov,mp4,m4a,3gp,3g2,mj2|hevc|Main|yuv420p|aac|90|1500' : null,
});

void describe('index snapshot', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const dataDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'spis-snapshot-'));
    dirs.push(dir);
    return dir;
  };
  const records = [record(1), record(2), record(3)];

  void it('reads back every field of every record, in the stored field order', async () => {
    const dir = await dataDir();
    await writeSnapshot(dir, { zone: 'Europe/Oslo', records });
    const read = await readSnapshot(dir);
    assert.ok(read);
    assert.equal(read.zone, 'Europe/Oslo');
    assert.deepEqual(read.records, records);
    for (const r of read.records) assert.deepEqual(Object.keys(r), [...snapshotFields]);
  });

  void it('reads an empty index', async () => {
    const dir = await dataDir();
    await writeSnapshot(dir, { zone: 'UTC', records: [] });
    assert.deepEqual(await readSnapshot(dir), { zone: 'UTC', records: [] });
  });

  void it('ignores a file that does not hold what its header says, as if there were none', async () => {
    const dir = await dataDir();
    await writeSnapshot(dir, { zone: 'UTC', records });
    const good = JSON.parse(await readFile(snapshotPath(dir), 'utf8')) as { count: number; columns: unknown[] };
    const shared = snapshotFields.indexOf('mime');
    const broken = [
      { ...good, count: 4 },
      { ...good, columns: good.columns.slice(1) },
      { ...good, columns: good.columns.map((c, i) => (i === shared ? { values: ['image/jpeg'], index: [0, 1, 0] } : c)) },
      { ...good, format: 99 },
    ];
    for (const snapshot of broken) {
      await writeFile(snapshotPath(dir), JSON.stringify(snapshot));
      assert.equal(await readSnapshot(dir), null, JSON.stringify(snapshot).slice(0, 80));
    }
    await writeFile(snapshotPath(dir), '{"format":4,"zone":"UTC",'); // torn: cannot happen with atomic writes, still safe
    assert.equal(await readSnapshot(dir), null);
  });
});

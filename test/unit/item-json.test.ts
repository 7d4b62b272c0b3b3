import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ItemJsonCache } from '../../server/api/item-json.js';
import type { Marks } from '../../server/media/media-index.js';
import { presentItem } from '../../server/media/present.js';
import type { MediaRecord } from '../../server/media/record.js';
import { mediaRecord } from '../helpers/records.js';

function record(n: number): MediaRecord {
  return mediaRecord(n, {
    path: `2023/${n}.jpg`, takenAtMs: Date.UTC(2023, 0, 1) + n, offsetMin: 120, width: 40, height: 30,
    size: 10, version: `v${n}`, make: 'Canon', lat: 1.5, lon: 2.5,
  });
}

describe('item JSON cache', () => {
  it('gives exactly the JSON of the presented item', () => {
    const marks: Marks = { favorite: true, archived: false };
    const cache = new ItemJsonCache(() => marks);
    const r = record(1);
    assert.deepEqual(JSON.parse(cache.json(r)), JSON.parse(JSON.stringify(presentItem(r, marks))));
  });

  it('reuses the text while nothing changed, and follows marks and patched fields', () => {
    let marks: Marks = { favorite: false, archived: false };
    let presented = 0;
    const cache = new ItemJsonCache(() => {
      presented++;
      return marks;
    });
    const r = record(2);
    const first = cache.json(r);
    assert.equal(cache.json(r), first);

    marks = { favorite: true, archived: false };
    assert.equal((JSON.parse(cache.json(r)) as { favorite: boolean }).favorite, true);

    r.placeholder = 'AbCd'; // what Library.patch does once a thumbhash is computed
    assert.equal((JSON.parse(cache.json(r)) as { placeholder: string }).placeholder, 'AbCd');
    r.durationMs = 1500;
    r.width = 1920;
    const latest = JSON.parse(cache.json(r)) as { durationMs: number; width: number };
    assert.deepEqual([latest.durationMs, latest.width], [1500, 1920]);
    assert.equal(presented, 5);
  });

  it('stays bounded by its entry count', () => {
    const cache = new ItemJsonCache(() => ({ favorite: false, archived: false }), 10);
    const records = Array.from({ length: 50 }, (_, i) => record(i));
    for (const r of records) cache.json(r);
    const before = cache.json(records[49]!);
    assert.equal(cache.json(records[49]!), before);
    assert.ok(cache.size <= 10);
  });
});

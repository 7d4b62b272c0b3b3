import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor, type Cursor } from '../../server/media/cursor.js';
import { MediaIndex, type MediaFilter, type Marks } from '../../server/media/media-index.js';
import type { MediaRecord } from '../../server/media/record.js';
import { mediaRecord } from '../helpers/records.js';

function record(n: number, takenAtMs: number, path = `a/${n}.jpg`): MediaRecord {
  return mediaRecord(n, { takenAtMs, path, type: n % 5 === 0 ? 'video' : 'image', yearMonth: 202301 + (n % 3) });
}

const noMarks = (): Marks => ({ favorite: false, archived: false });
const visible: MediaFilter = { archived: false };

function walk(index: MediaIndex, order: 'asc' | 'desc', limit: number, filter = visible): string[] {
  const seen: string[] = [];
  let cursor: Cursor | null = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = index.page(filter, noMarks, order, limit, cursor);
    seen.push(...page.records.map((r) => r.id));
    if (!page.next) return seen;
    cursor = decodeCursor(encodeCursor({ ...page.next, order }));
  }
  throw new Error('paging did not end');
}

describe('MediaIndex keyset paging', () => {
  it('yields every item exactly once in order, with many sharing one instant', () => {
    const index = new MediaIndex();
    const records = Array.from({ length: 250 }, (_, n) => record(n, 1_000));
    records.push(...Array.from({ length: 50 }, (_, n) => record(300 + n, 500 + n)));
    index.load(records.reverse());
    for (const limit of [1, 7, 100, 500]) {
      for (const order of ['asc', 'desc'] as const) {
        const ids = walk(index, order, limit);
        assert.equal(ids.length, 300);
        assert.equal(new Set(ids).size, 300);
        const expected = index.all().map((r) => r.id);
        assert.deepEqual(ids, order === 'asc' ? expected : [...expected].reverse());
      }
    }
  });

  it('upserts and removes keep the order and the maps consistent', () => {
    const index = new MediaIndex();
    index.load([record(1, 10), record(2, 20)]);
    index.upsert(record(3, 15));
    index.upsert({ ...record(1, 30), path: 'a/1.jpg' });
    assert.deepEqual(index.all().map((r) => r.takenAtMs), [15, 20, 30]);
    assert.equal(index.removePath('a/2.jpg')?.id, record(2, 0).id);
    assert.equal(index.getById(record(2, 0).id), undefined);
    assert.deepEqual(index.all().map((r) => r.takenAtMs), [15, 30]);
  });

  it('filters by month, type, folder, text, favorites and archive', () => {
    const index = new MediaIndex();
    index.load([record(1, 1, 'trip/one.jpg'), record(2, 2, 'trip/Two.jpg'), record(5, 3, 'home/five.mp4')]);
    const marks = (r: MediaRecord): Marks => ({ favorite: r.fingerprint === 'fp1', archived: r.fingerprint === 'fp2' });
    const ids = (filter: MediaFilter) => index.page(filter, marks, 'asc', 10, null).records.map((r) => r.path);
    assert.deepEqual(ids({ archived: false }), ['trip/one.jpg', 'home/five.mp4']);
    assert.deepEqual(ids({ archived: true }), ['trip/Two.jpg']);
    assert.deepEqual(ids({ archived: false, favorite: true }), ['trip/one.jpg']);
    assert.deepEqual(ids({ archived: false, type: 'video' }), ['home/five.mp4']);
    assert.deepEqual(ids({ archived: false, folder: 'trip' }), ['trip/one.jpg']);
    assert.deepEqual(ids({ archived: true, q: 'two' }), ['trip/Two.jpg']);
    assert.deepEqual(ids({ archived: false, year: 2023, month: 3 }), ['home/five.mp4']);
    assert.deepEqual(index.timeline({ archived: false }, marks), [
      { year: 2023, month: 3, count: 1 },
      { year: 2023, month: 2, count: 1 },
    ]);
    const tree = index.folders({ archived: false }, marks);
    assert.equal(tree.count, 2);
    assert.deepEqual(tree.children.map((c) => [c.path, c.count]), [['home', 1], ['trip', 1]]);
  });
});

describe('cursors', () => {
  it('round-trip and reject anything else', () => {
    const cursor: Cursor = { order: 'desc', t: 1234, id: 'abc_DEF-123' };
    assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor);
    for (const bad of ['', 'not a cursor', Buffer.from('[2,"d",1,"x"]').toString('base64url'),
      Buffer.from('[1,"d",1.5,"x"]').toString('base64url'), Buffer.from('[1,"d",1,"../x"]').toString('base64url'),
      'x'.repeat(500)]) {
      assert.equal(decodeCursor(bad), null, bad);
    }
  });
});

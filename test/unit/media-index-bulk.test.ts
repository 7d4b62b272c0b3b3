import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaIndex } from '../../server/media/media-index.js';
import { compareRecords, type MediaRecord } from '../../server/media/record.js';
import { mediaRecord } from '../helpers/records.js';

function record(n: number, takenAtMs: number, path = `a/${n}.jpg`): MediaRecord {
  return mediaRecord(n, { takenAtMs, path });
}

/** A small deterministic generator, so a failure replays. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
}

const visible = { archived: false };
const noMarks = () => ({ favorite: false, archived: false });

void describe('MediaIndex with many records added between reads', () => {
  void it('stays in order through bulk adds, replacements, removals and reads in between', () => {
    const next = numbers(7);
    const index = new MediaIndex();
    const expected = new Map<string, MediaRecord>();
    const check = () => {
      const want = [...expected.values()].sort(compareRecords).map((r) => r.id);
      assert.equal(index.size, want.length);
      // Pages read first (their cursor search must see records added since the last read)…
      const paged: string[] = [];
      let cursor: Parameters<MediaIndex['page']>[4] = null;
      do {
        const page = index.page(visible, noMarks, 'asc', 50, cursor);
        paged.push(...page.records.map((r) => r.id));
        cursor = page.next ? { ...page.next, order: 'asc' } : null;
      } while (cursor);
      assert.deepEqual(paged, want);
      assert.deepEqual(
        index.all().map((r) => r.id),
        want,
      );
    };
    for (let round = 0; round < 6; round++) {
      // A burst as large as a cold index's (many new paths, many sharing one instant)…
      for (let k = 0; k < 400; k++) {
        const n = Math.floor(next() * 2000);
        const r = record(n, Math.floor(next() * 50) * 1000);
        index.upsert(r);
        expected.set(r.path, r);
      }
      check();
      // …then a few watcher-sized changes: a date moved, a file removed, one added.
      const paths = [...expected.keys()];
      for (let k = 0; k < 5; k++) {
        const path = paths[Math.floor(next() * paths.length)]!;
        if (next() < 0.5) {
          const moved = { ...expected.get(path)!, takenAtMs: Math.floor(next() * 50) * 1000 };
          index.upsert(moved);
          expected.set(path, moved);
        } else if (expected.delete(path)) {
          assert.equal(index.removePath(path)?.path, path);
        }
      }
      check();
    }
  });

  void it('removes a record that was added but never read yet', () => {
    const index = new MediaIndex();
    for (let n = 0; n < 20; n++) index.upsert(record(n, n));
    assert.equal(index.removePath('a/3.jpg')?.path, 'a/3.jpg');
    index.upsert(record(7, 100)); // replaces a/7.jpg, also still pending
    assert.deepEqual(
      index.all().map((r) => r.takenAtMs),
      [0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100],
    );
  });
});

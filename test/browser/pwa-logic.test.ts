/** The PWA's pure logic (no DOM), tested in Node: layout, ordering, URL state, zoom arithmetic, share links. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as thumbhash from 'thumbhash';
import type { ApiItem } from '../../server/shared/api-types.js';
import { compareItems, ItemStore } from '../../web/src/lib/item-store.js';
import { gridMoveFor, moveInGrid, rowOf } from '../../web/src/lib/grid-nav.js';
import { emptyLayout, layoutFrom, type RowBlock } from '../../web/src/lib/layout.js';
import { renditionSources } from '../../web/src/lib/rendition.js';
import { capabilitiesOf, shareTokenIn } from '../../web/src/lib/share-link.js';
import { ThrottledBatch, type BatchClock } from '../../web/src/lib/throttled-batch.js';
import { thumbHashToRGBA } from '../../web/src/lib/thumbhash-preview.js';
import { defaultView, matchesView, parseView, viewToSearch, type ViewState } from '../../web/src/lib/view-state.js';
import { clampPan, fitFrame, zoomAt } from '../../web/src/lib/zoom-pan.js';

function item(i: number, takenAt: string, extra: Partial<ApiItem> = {}): ApiItem {
  return {
    id: `id${String(i).padStart(6, '0')}`, path: `a/IMG_${i}.jpg`, name: `IMG_${i}.jpg`, folder: 'a', type: 'image', mime: 'image/jpeg',
    takenAt, takenAtSource: 'exif', takenAtOffsetSource: 'file', width: 400 + (i % 5) * 100, height: 300 + (i % 3) * 150, size: 1000, favorite: false, archived: false,
    version: 'v', durationMs: null, placeholder: null, camera: null, gps: null, thumbs: { small: '', large: '' }, livePhoto: null, ...extra,
  };
}

const months = ['2024-06-14T12:00:00+02:00', '2024-05-01T08:00:00+00:00', '2023-12-31T23:30:00-05:00'];
const library = (n: number) => Array.from({ length: n }, (_, i) => item(i, months[Math.floor((i * months.length) / n)]!));
const options = { width: 390, rowHeight: 110, gap: 4, headerHeight: 48 };

void describe('arrow keys in the justified grid', () => {
  const items = library(200);
  const layout = layoutFrom(emptyLayout(options), items, 0);
  const rows = layout.blocks.filter((b): b is RowBlock => b.kind === 'row');
  const centre = (i: number) => {
    const tile = rows.flatMap((r) => r.tiles).find((t) => t.index === i)!;
    return tile.left + tile.width / 2;
  };

  void it('finds the row of every item, skipping month headers', () => {
    for (let i = 0; i < items.length; i++) {
      const block = layout.blocks[rowOf(layout, i)]!;
      assert.ok(block.kind === 'row' && block.tiles.some((t) => t.index === i), `item ${i}`);
    }
  });

  void it('walks items in order with left and right, and stops at the ends', () => {
    assert.equal(moveInGrid(layout, 0, 'left'), null);
    assert.equal(moveInGrid(layout, 0, 'right'), 1);
    assert.equal(moveInGrid(layout, 199, 'right'), null);
    assert.equal(moveInGrid(layout, 57, 'left'), 56);
    assert.equal(moveInGrid(layout, 57, 'home'), 0);
    assert.equal(moveInGrid(layout, 57, 'end'), 199);
  });

  void it('goes up and down to the nearest tile of the next row, across month headers', () => {
    for (let r = 0; r < rows.length - 1; r++) {
      for (const tile of rows[r]!.tiles) {
        const down = moveInGrid(layout, tile.index, 'down')!;
        assert.ok(rows[r + 1]!.tiles.some((t) => t.index === down), `down from ${tile.index} lands in the next row`);
        const best = Math.min(...rows[r + 1]!.tiles.map((t) => Math.abs(t.left + t.width / 2 - centre(tile.index))));
        assert.equal(Math.abs(centre(down) - centre(tile.index)), best, 'the nearest tile below');
        const up = moveInGrid(layout, down, 'up')!;
        assert.ok(rows[r]!.tiles.some((t) => t.index === up), 'and up comes back to the row');
      }
    }
    assert.equal(moveInGrid(layout, rows[0]!.tiles[0]!.index, 'up'), null);
    assert.equal(moveInGrid(layout, rows[rows.length - 1]!.tiles[0]!.index, 'down'), null);
  });

  void it('knows which keys are its own', () => {
    assert.equal(gridMoveFor('ArrowDown'), 'down');
    assert.equal(gridMoveFor('End'), 'end');
    assert.equal(gridMoveFor('Enter'), null);
  });
});

void describe('lightbox rendition choice', () => {
  void it('describes both renditions by their real widths and sizes the picture to the viewport', () => {
    const { srcset, sizes } = renditionSources({ width: 4000, height: 3000 }, 'S', 'L');
    assert.equal(srcset, 'S 400w, L 2048w');
    assert.equal(sizes, 'min(100vw, 133.3vh)');
    assert.equal(renditionSources({ width: 300, height: 200 }, 'S', 'L').srcset, 'S 300w', 'a small original has one rendition');
  });
});

void describe('justified layout', () => {
  void it('places every item once, fills full rows to the width, one header per month', () => {
    const items = library(200);
    const layout = layoutFrom(emptyLayout(options), items, 0);
    const rows = layout.blocks.filter((b): b is RowBlock => b.kind === 'row');
    const placed = rows.flatMap((r) => r.tiles.map((t) => t.index));
    assert.deepEqual(placed, items.map((_, i) => i));
    assert.deepEqual(layout.blocks.filter((b) => b.kind === 'header').map((b) => (b.kind === 'header' ? b.key : '')), ['2024-06', '2024-05', '2023-12']);
    const full = rows.filter((r, i) => rows[i + 1] && r.height !== options.rowHeight);
    for (const row of full) {
      const last = row.tiles[row.tiles.length - 1]!;
      assert.ok(Math.abs(last.left + last.width - options.width) <= 1, 'a full row ends at the right edge');
    }
    for (let b = 1; b < layout.blocks.length; b++) assert.ok(layout.blocks[b]!.top >= layout.blocks[b - 1]!.top + layout.blocks[b - 1]!.height);
  });

  void it('incremental layout after appending equals laying out everything at once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 150 }), (a, b) => {
        const items = library(a + b);
        const partial = layoutFrom(emptyLayout(options), items.slice(0, a), 0);
        const resumed = layoutFrom(partial, items, a);
        assert.deepEqual(resumed, layoutFrom(emptyLayout(options), items, 0));
      }),
      { numRuns: 60 },
    );
  });
});

void describe('item store', () => {
  void it('keeps server order, each id once, and inserts live items only inside the loaded range', () => {
    const items = library(10).map((it, i) => ({ ...it, takenAt: `2024-01-${String(20 - i).padStart(2, '0')}T00:00:00Z` }));
    const store = new ItemStore('desc');
    store.append(items.slice(0, 5));
    assert.equal(store.append(items.slice(3, 8)), 5, 'duplicates from an overlapping page are dropped');
    assert.equal(store.size, 8);
    assert.equal(store.insert(item(99, '2024-01-15T12:00:00Z')), 5, 'between 15 and 16 January, newest first');
    assert.equal(store.insert(item(98, '2023-01-01T00:00:00Z')), -1, 'older than everything loaded: a later page brings it');
    store.complete = true;
    assert.equal(store.insert(item(98, '2023-01-01T00:00:00Z')), store.size - 1);
    const ids = store.items.map((i) => i);
    assert.deepEqual(ids, [...ids].sort((x, y) => compareItems(x, y, 'desc')));
  });
});

void describe('view state in the URL', () => {
  void it('round-trips through the query string and ignores junk', () => {
    const view: ViewState = { ...defaultView, favorite: true, type: 'video', year: 2023, month: 7, folder: 'Trips/Norway', q: 'fjord', order: 'asc' };
    assert.deepEqual(parseView(viewToSearch(view, 'abc')), view);
    assert.deepEqual(parseView('?year=abc&month=13&type=gif&order=sideways&bogus=1'), defaultView);
    assert.equal(parseView('?month=7').month, null, 'a month needs a year');
  });

  void it('matches pushed items with the same rules as the API (wall-clock month, folder prefix, archive)', () => {
    const pushed = item(1, '2023-07-31T23:30:00-05:00', { path: 'Trips/Norway/x.jpg' });
    assert.ok(matchesView(pushed, { ...defaultView, year: 2023, month: 7 }), 'the photo’s own month, not UTC');
    assert.ok(matchesView(pushed, { ...defaultView, folder: 'Trips' }));
    assert.ok(!matchesView(pushed, { ...defaultView, folder: 'Trip' }), 'a prefix of a folder name is another folder');
    assert.ok(!matchesView({ ...pushed, archived: true }, defaultView), 'archived items leave the timeline');
    assert.ok(!matchesView(pushed, { ...defaultView, favorite: true }));
  });
});

void describe('thumbnails shown in batches', () => {
  /** A clock moved by hand: timers run when the time they wait for has come. */
  function manualClock(): BatchClock & { advance(to: number): void } {
    let now = 0;
    const timers: Array<{ at: number; run: () => void }> = [];
    return {
      now: () => now,
      setTimeout: (run, ms) => void timers.push({ at: now + ms, run }),
      advance(to) {
        for (let next = timers.sort((a, b) => a.at - b.at)[0]; next && next.at <= to; next = timers.sort((a, b) => a.at - b.at)[0]) {
          timers.shift();
          now = next.at;
          next.run();
        }
        now = to;
      },
    };
  }

  void it('shows the first at once, then at most one batch per interval, nothing twice or lost', () => {
    const clock = manualClock();
    const batches: Array<{ at: number; items: number[] }> = [];
    const batch = new ThrottledBatch<number>(150, (items) => batches.push({ at: clock.now(), items }), clock);
    batch.add(1);
    clock.advance(10);
    batch.add(2);
    clock.advance(90);
    batch.add(3);
    clock.advance(149);
    assert.deepEqual(batches, [{ at: 0, items: [1] }], 'the ones within the interval wait');
    clock.advance(150);
    batch.add(4); // arrives just after a batch: waits a whole interval
    clock.advance(500);
    batch.add(5); // after a quiet interval: at once
    assert.deepEqual(batches, [
      { at: 0, items: [1] },
      { at: 150, items: [2, 3] },
      { at: 300, items: [4] },
      { at: 500, items: [5] },
    ]);
  });
});

void describe('zoom and pan', () => {
  void it('keeps the pinch centre still and the picture covering the stage', () => {
    const frame = fitFrame(400, 800, 4000, 3000);
    assert.deepEqual([frame.contentWidth, frame.contentHeight], [400, 300]);
    const zoomed = zoomAt({ scale: 1, x: 0, y: 0 }, 3, 100, 50);
    assert.deepEqual([100 - (100 - zoomed.x) / 3, zoomed.scale], [0, 3], 'the point under the fingers stays put');
    const clamped = clampPan({ scale: 3, x: 5000, y: 5000 }, frame);
    assert.deepEqual(clamped, { scale: 3, x: 400, y: 50 }, 'no panning past the edges: a 1200×900 picture in a 400×800 stage');
  });
});

void describe('share links', () => {
  void it('takes a token only from a well-formed #share= fragment', () => {
    const token = 'Ab-_0123456789abcdefXYZ0123456789abcdefghi';
    assert.equal(shareTokenIn(`#share=${token}`), token);
    for (const hash of ['', '#', '#share=', '#share=short', `#share=${token}&x=1`, `#share=${token}/..`, `#item=${token}`, `#share=${'a'.repeat(129)}`]) {
      assert.equal(shareTokenIn(hash), null, hash);
    }
  });

  void it('shows mark controls and live updates only to those who may use them', () => {
    const base = { authRequired: true, csrfToken: null };
    assert.deepEqual(capabilitiesOf({ ...base, user: null, share: { expiresAt: null } }), { mark: false, live: false });
    assert.deepEqual(capabilitiesOf({ ...base, user: { name: 'v', role: 'viewer' }, share: null }), { mark: false, live: true });
    assert.deepEqual(capabilitiesOf({ ...base, user: { name: 'm', role: 'member' }, share: null }), { mark: true, live: true });
    assert.deepEqual(capabilitiesOf({ authRequired: false, csrfToken: null, user: null, share: null }), { mark: true, live: true });
    assert.deepEqual(capabilitiesOf(null), { mark: true, live: true }, 'offline: keep what the app had');
  });
});

void describe('thumbhash previews', () => {
  void it('decode pixel for pixel like the thumbhash package at its size, and keep the shape when smaller', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (w, h, alpha, seed) => {
        const pixels = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 && !alpha ? 255 : (i * 2654435761 + seed) % 251));
        const hash = thumbhash.rgbaToThumbHash(w, h, pixels);
        const theirs = thumbhash.thumbHashToRGBA(hash);
        const ours = thumbHashToRGBA(hash);
        assert.deepEqual([ours.w, ours.h], [theirs.w, theirs.h]);
        assert.deepEqual(ours.rgba, theirs.rgba);
        const small = thumbHashToRGBA(hash, 16);
        const halfOf = (side: number, full: number) => Math.abs(side - full / 2) <= 1;
        assert.ok(halfOf(small.w, theirs.w) && halfOf(small.h, theirs.h) && small.rgba.length === small.w * small.h * 4, `${small.w}×${small.h} for ${theirs.w}×${theirs.h}`);
      }),
      { numRuns: 200 },
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { S3FifoCache } from '../../server/thumbs/s3-fifo-cache.js';

const bytes = (n: number) => Buffer.alloc(n);
const cache = (maxSize: number, smallRatio?: number) =>
  new S3FifoCache<string, Buffer>({ maxSize, sizeCalculation: (value) => value.length, smallRatio });

void describe('S3FifoCache', () => {
  void it('returns what was stored and counts bytes', () => {
    const c = cache(100);
    c.set('a', bytes(10)).set('b', bytes(20));
    assert.equal(c.get('a')?.length, 10);
    assert.equal(c.peek('b')?.length, 20);
    assert.equal(c.get('missing'), undefined);
    assert.equal(c.size, 2);
    assert.equal(c.calculatedSize, 30);
    assert.equal(c.has('a'), true);
  });

  void it('evicts unread newcomers first (FIFO) and stays within maxSize', () => {
    const c = cache(100);
    for (let i = 0; i < 10; i++) c.set(`k${i}`, bytes(10));
    c.set('k10', bytes(10));
    assert.equal(c.has('k0'), false, 'the oldest unread key goes first');
    assert.equal(c.has('k10'), true);
    assert.equal(c.calculatedSize, 100);
  });

  void it('keeps keys that were read while new, through a long scan of one-hit keys', () => {
    const c = cache(1000);
    for (let i = 0; i < 10; i++) c.set(`hot${i}`, bytes(10));
    for (let i = 0; i < 10; i++) c.get(`hot${i}`);
    // A scroll through 500 thumbnails seen once each.
    for (let i = 0; i < 500; i++) {
      c.set(`scan${i}`, bytes(10));
      if (i % 20 === 0) for (let h = 0; h < 10; h++) c.get(`hot${h}`);
    }
    for (let i = 0; i < 10; i++) assert.equal(c.has(`hot${i}`), true, `hot${i} survived the scan`);
    assert.ok(c.calculatedSize <= 1000);
  });

  void it('admits a key seen again soon after eviction straight into main', () => {
    const c = cache(100, 0.1);
    c.set('x', bytes(10));
    for (let i = 0; i < 10; i++) c.set(`f${i}`, bytes(10)); // pushes x out of small into the ghost
    assert.equal(c.has('x'), false);
    c.set('x', bytes(10)); // ghost hit: goes to main
    for (let i = 10; i < 30; i++) c.set(`f${i}`, bytes(10)); // small churns, main keeps x
    assert.equal(c.has('x'), true);
  });

  void it('without the ghost hit the same key would be gone', () => {
    const c = cache(100, 0.1);
    for (let i = 0; i < 30; i++) c.set(`f${i}`, bytes(10));
    c.set('x', bytes(10));
    for (let i = 30; i < 50; i++) c.set(`f${i}`, bytes(10));
    assert.equal(c.has('x'), false);
  });

  void it('does not store a value larger than the cache, and drops the old value of that key', () => {
    const c = cache(50);
    c.set('big', bytes(51));
    assert.equal(c.has('big'), false);
    c.set('a', bytes(10));
    c.set('a', bytes(60));
    assert.equal(c.has('a'), false);
    assert.equal(c.calculatedSize, 0);
  });

  void it('re-sizes on update and evicts to make room', () => {
    const c = cache(100);
    c.set('a', bytes(10)).set('b', bytes(10));
    c.set('a', bytes(90));
    assert.equal(c.get('a')?.length, 90);
    assert.equal(c.calculatedSize, 100);
    c.set('a', bytes(95));
    assert.ok(c.calculatedSize <= 100);
    assert.equal(c.get('a')?.length, 95);
  });

  void it('deletes and clears', () => {
    const c = cache(100);
    c.set('a', bytes(10)).set('b', bytes(10));
    assert.equal(c.delete('a'), true);
    assert.equal(c.delete('a'), false);
    assert.equal(c.calculatedSize, 10);
    c.clear();
    assert.equal(c.size, 0);
    assert.equal(c.calculatedSize, 0);
  });

  void it('rejects bad options and bad sizes', () => {
    assert.throws(() => cache(0), /maxSize/);
    assert.throws(() => cache(10, 1), /smallRatio/);
    const c = new S3FifoCache<string, number>({ maxSize: 10, sizeCalculation: () => 0 });
    assert.throws(() => c.set('a', 1), /sizeCalculation/);
  });

  void it('matches a plain map for present keys and never exceeds maxSize (random operations)', () => {
    const op = fc.record({
      kind: fc.constantFrom('get', 'set', 'set', 'delete'),
      key: fc.integer({ min: 0, max: 30 }),
      size: fc.integer({ min: 1, max: 40 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 20, max: 200 }), (ops, maxSize) => {
        const c = new S3FifoCache<number, { n: number; size: number }>({ maxSize, sizeCalculation: (v) => v.size });
        const model = new Map<number, { n: number; size: number }>();
        ops.forEach(({ kind, key, size }, n) => {
          if (kind === 'set') {
            c.set(key, { n, size });
            model.set(key, { n, size });
          } else if (kind === 'delete') {
            c.delete(key);
            model.delete(key);
          } else {
            const got = c.get(key);
            if (got) assert.deepEqual(got, model.get(key), 'a hit returns the latest value');
          }
          let total = 0;
          for (const k of model.keys()) {
            const v = c.peek(k);
            if (v) total += v.size;
          }
          assert.equal(c.calculatedSize, total, 'byte count equals the sum of cached values');
          assert.ok(c.calculatedSize <= maxSize);
        });
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

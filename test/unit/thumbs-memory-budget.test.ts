import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultMemoryCacheBytes } from '../../server/thumbs/memory-budget.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

void describe('default thumbnail memory cache', () => {
  it('is 1/64 of the machine between 8 and 64 MiB', () => {
    assert.equal(defaultMemoryCacheBytes(512 * MiB), 8 * MiB); // Pi Zero 2
    assert.equal(defaultMemoryCacheBytes(1 * GiB), 16 * MiB); // Pi 4, 1 GB
    assert.equal(defaultMemoryCacheBytes(2 * GiB), 32 * MiB);
    assert.equal(defaultMemoryCacheBytes(4 * GiB), 64 * MiB);
    assert.equal(defaultMemoryCacheBytes(24 * GiB), 64 * MiB);
    assert.equal(defaultMemoryCacheBytes(256 * MiB), 8 * MiB);
  });

  it('is a whole number of MiB', () => {
    assert.equal(defaultMemoryCacheBytes(1.5 * GiB + 12345) % MiB, 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatIsoWithOffset,
  parseUtcOffset,
  wallClockAt,
  wallClockInZone,
  zoneOffsetMinutes,
} from '../../server/media/wall-clock.js';

const wall = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0) => ({
  year, month, day, hour, minute, second, millisecond: 0,
});

describe('wall clock', () => {
  it('reads zone offsets including daylight saving', () => {
    assert.equal(zoneOffsetMinutes('Europe/Oslo', Date.UTC(2023, 6, 1)), 120);
    assert.equal(zoneOffsetMinutes('Europe/Oslo', Date.UTC(2023, 0, 1)), 60);
    assert.equal(zoneOffsetMinutes('America/New_York', Date.UTC(2023, 0, 1)), -300);
    assert.equal(zoneOffsetMinutes('Asia/Kolkata', Date.UTC(2023, 0, 1)), 330);
    assert.equal(zoneOffsetMinutes('UTC', Date.UTC(2023, 0, 1)), 0);
  });

  it('turns a wall clock in a zone into an instant', () => {
    const summer = wallClockInZone(wall(2023, 7, 14, 18, 22, 5), 'Europe/Oslo');
    assert.equal(new Date(summer.ms).toISOString(), '2023-07-14T16:22:05.000Z');
    assert.equal(summer.offsetMin, 120);
    const winter = wallClockInZone(wall(2023, 1, 1, 0, 30), 'America/New_York');
    assert.equal(new Date(winter.ms).toISOString(), '2023-01-01T05:30:00.000Z');
  });

  it('resolves a wall clock in the spring-forward gap to a real instant', () => {
    const gap = wallClockInZone(wall(2023, 3, 26, 2, 30), 'Europe/Oslo');
    assert.ok(Number.isFinite(gap.ms));
    assert.ok([60, 120].includes(gap.offsetMin));
  });

  it('formats ISO-8601 with the photo offset and round-trips the wall clock', () => {
    const ms = Date.UTC(2022, 11, 31, 22, 30);
    assert.equal(formatIsoWithOffset(ms, 120), '2023-01-01T00:30:00+02:00');
    assert.equal(formatIsoWithOffset(ms, -330), '2022-12-31T17:00:00-05:30');
    assert.deepEqual(wallClockAt(ms, 120), wall(2023, 1, 1, 0, 30));
  });

  it('parses offsets strictly', () => {
    assert.equal(parseUtcOffset('+02:00'), 120);
    assert.equal(parseUtcOffset('-0530'), -330);
    assert.equal(parseUtcOffset('Z'), 0);
    assert.equal(parseUtcOffset('+25:00'), null);
    assert.equal(parseUtcOffset('garbage'), null);
    assert.equal(parseUtcOffset(undefined), null);
  });
});

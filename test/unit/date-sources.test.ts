import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExifDateTime, parseFileNameDate } from '../../server/media/date-sources.js';
import { resolveTakenAt } from '../../server/media/taken-at.js';

describe('EXIF dates', () => {
  it('parses EXIF date-times and sub-seconds', () => {
    assert.deepEqual(parseExifDateTime('2023:07:14 18:22:05', '12'), {
      year: 2023, month: 7, day: 14, hour: 18, minute: 22, second: 5, millisecond: 120,
    });
  });
  it('rejects unset camera clocks and impossible dates', () => {
    assert.equal(parseExifDateTime('0000:00:00 00:00:00'), null);
    assert.equal(parseExifDateTime('2023:02:30 10:00:00'), null);
    assert.equal(parseExifDateTime(42), null);
  });
});

describe('file name dates', () => {
  const cases: Array<[string, string | null]> = [
    ['IMG_20230714_182205.jpg', '2023-07-14 18:22:05'],
    ['PXL_20230714_182205123.jpg', '2023-07-14 18:22:05'],
    ['VID_20230714_182205.mp4', '2023-07-14 18:22:05'],
    ['2023-07-14 18.22.05.jpg', '2023-07-14 18:22:05'],
    ['Screenshot_2023-07-14-18-22-05.png', '2023-07-14 18:22:05'],
    ['IMG-20230714-WA0001.jpg', '2023-07-14 12:00:00'],
    ['holiday.jpg', null],
    ['IMG_0001.jpg', null],
    ['20231399_999999.jpg', null],
  ];
  for (const [name, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      const found = parseFileNameDate(name);
      const text = found
        ? `${found.year}-${String(found.month).padStart(2, '0')}-${String(found.day).padStart(2, '0')} ` +
          `${String(found.hour).padStart(2, '0')}:${String(found.minute).padStart(2, '0')}:${String(found.second).padStart(2, '0')}`
        : null;
      assert.equal(text, expected);
    });
  }
});

describe('takenAt fallback chain', () => {
  const base = { videoCreatedMs: null, fileName: 'x.jpg', mtimeMs: Date.UTC(2020, 0, 1), zone: 'Europe/Oslo' };
  it('uses DateTimeOriginal with its own offset, ignoring the configured zone', () => {
    const t = resolveTakenAt({ ...base, tags: { DateTimeOriginal: '2023:01:01 00:30:00', OffsetTimeOriginal: '+02:00' } });
    assert.equal(t.source, 'exif');
    assert.equal(new Date(t.ms).toISOString(), '2022-12-31T22:30:00.000Z');
    assert.equal(t.offsetMin, 120);
  });
  it('uses the configured zone when EXIF has no offset', () => {
    const t = resolveTakenAt({ ...base, tags: { DateTimeOriginal: '2023:07:14 18:22:05' } });
    assert.equal(new Date(t.ms).toISOString(), '2023-07-14T16:22:05.000Z');
    assert.equal(t.offsetMin, 120);
  });
  it('falls back to CreateDate, then the file name, then mtime', () => {
    assert.equal(resolveTakenAt({ ...base, tags: { CreateDate: '2021:05:05 10:00:00' } }).source, 'exif');
    const named = resolveTakenAt({ ...base, tags: {}, fileName: 'IMG_20190202_101010.jpg' });
    assert.equal(named.source, 'filename');
    assert.equal(new Date(named.ms).toISOString(), '2019-02-02T09:10:10.000Z');
    const mtime = resolveTakenAt({ ...base, tags: null });
    assert.equal(mtime.source, 'mtime');
    assert.equal(mtime.ms, base.mtimeMs);
  });
  it('prefers a video creation time over the file name', () => {
    const t = resolveTakenAt({ ...base, tags: null, videoCreatedMs: Date.UTC(2022, 5, 1, 12), fileName: 'VID_20190202_101010.mp4' });
    assert.equal(t.source, 'video');
    assert.equal(t.offsetMin, 120);
  });
});

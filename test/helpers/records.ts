import type { MediaRecord } from '../../server/media/record.js';

/**
 * An index record for unit tests: a 1×1 JPEG taken in January 2023, numbered `n` (id and
 * fingerprint follow it), with whatever the test cares about given in `fields`.
 */
export function mediaRecord(n: number, fields: Partial<MediaRecord> = {}): MediaRecord {
  return {
    id: `id${String(n).padStart(14, '0')}`,
    path: `a/${n}.jpg`,
    type: 'image',
    mime: 'image/jpeg',
    takenAtMs: 0,
    offsetMin: 0,
    takenAtSource: 'exif',
    takenAtOffsetSource: 'file',
    yearMonth: 202301,
    width: 1,
    height: 1,
    orientation: 1,
    size: 1,
    mtimeMs: 0,
    fingerprint: `fp${n}`,
    version: 'v',
    durationMs: null,
    placeholder: null,
    make: null,
    model: null,
    lat: null,
    lon: null,
    sidecarMtimeMs: null,
    ...fields,
  };
}

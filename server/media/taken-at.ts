import type { TakenAtSource } from '../shared/api-types.js';
import { parseExifDateTime, parseFileNameDate } from './date-sources.js';
import {
  parseUtcOffset,
  wallClockInZone,
  wallClockWithOffset,
  zoneOffsetMinutes,
  type Instant,
} from './wall-clock.js';

/** Raw date tags as stored in the file (exifr with reviveValues off). */
export interface RawDateTags {
  DateTimeOriginal?: unknown;
  OffsetTimeOriginal?: unknown;
  SubSecTimeOriginal?: unknown;
  CreateDate?: unknown;
  OffsetTimeDigitized?: unknown;
  DateTimeDigitized?: unknown;
  ModifyDate?: unknown;
  DateTime?: unknown;
  OffsetTime?: unknown;
}

export interface TakenAtInput {
  tags: RawDateTags | null;
  /** Creation instant of a video container (QuickTime dates are UTC). */
  videoCreatedMs: number | null;
  fileName: string;
  mtimeMs: number;
  /** IANA zone for dates without an offset; '' means the process' zone. */
  zone: string;
}

export interface TakenAt extends Instant {
  source: TakenAtSource;
}

/**
 * The fallback chain: EXIF DateTimeOriginal with its offset → other EXIF dates →
 * video creation time → a date in the file name → the file's mtime.
 * exifr's revived Date objects ignore the offset tags, hence the raw strings here.
 */
export function resolveTakenAt(input: TakenAtInput): TakenAt {
  const { tags, zone } = input;
  if (tags) {
    const candidates: [unknown, unknown, unknown][] = [
      [tags.DateTimeOriginal, tags.OffsetTimeOriginal, tags.SubSecTimeOriginal],
      [tags.CreateDate ?? tags.DateTimeDigitized, tags.OffsetTimeDigitized, undefined],
      [tags.ModifyDate ?? tags.DateTime, tags.OffsetTime, undefined],
    ];
    const anyOffset =
      parseUtcOffset(str(tags.OffsetTimeOriginal)) ??
      parseUtcOffset(str(tags.OffsetTimeDigitized)) ??
      parseUtcOffset(str(tags.OffsetTime));
    for (const [date, offsetTag, subSec] of candidates) {
      const wall = parseExifDateTime(date, subSec);
      if (!wall) continue;
      const offset = parseUtcOffset(str(offsetTag)) ?? anyOffset;
      const instant = offset === null ? wallClockInZone(wall, zone) : wallClockWithOffset(wall, offset);
      return { ...instant, source: 'exif' };
    }
  }
  if (input.videoCreatedMs !== null && Number.isFinite(input.videoCreatedMs) && input.videoCreatedMs > 0) {
    const ms = input.videoCreatedMs;
    return { ms, offsetMin: zoneOffsetMinutes(zone, ms), source: 'video' };
  }
  const fromName = parseFileNameDate(input.fileName);
  if (fromName) return { ...wallClockInZone(fromName, zone), source: 'filename' };
  const ms = Math.trunc(input.mtimeMs);
  return { ms, offsetMin: zoneOffsetMinutes(zone, ms), source: 'mtime' };
}

const str = (value: unknown) => (typeof value === 'string' ? value : null);

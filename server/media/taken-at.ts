import type { TakenAtOffsetSource, TakenAtSource } from '../shared/api-types.js';
import { parseExifDateTime, parseFileNameDate, type StampedDate } from './date-sources.js';
import { gpsUtcMs, offsetFromGps } from './gps-offset.js';
import {
  parseUtcOffset,
  wallClockInZone,
  wallClockWithOffset,
  zoneOffsetMinutes,
  type Instant,
  type WallClock,
} from './wall-clock.js';

/** Raw date tags as stored in the file (exifr with reviveValues off). */
export interface RawDateTags {
  DateTimeOriginal?: unknown;
  OffsetTimeOriginal?: unknown;
  SubSecTimeOriginal?: unknown;
  CreateDate?: unknown;
  OffsetTimeDigitized?: unknown;
  DateTimeDigitized?: unknown;
  SubSecTimeDigitized?: unknown;
  ModifyDate?: unknown;
  DateTime?: unknown;
  OffsetTime?: unknown;
  SubSecTime?: unknown;
  GPSDateStamp?: unknown;
  GPSTimeStamp?: unknown;
}

/** Dates found outside EXIF, each already parsed (see xmp-dates, iptc-date, png-chunks). */
export interface OtherDates {
  /** From `photo.jpg.xmp` / `photo.xmp` beside the file. */
  sidecar: StampedDate | null;
  /** From the XMP packet inside the file. */
  xmp: StampedDate | null;
  iptc: StampedDate | null;
  /** PNG "Creation Time" text. */
  png: StampedDate | null;
}

export interface TakenAtInput {
  tags: RawDateTags | null;
  other?: Partial<OtherDates>;
  /** Creation instant of a video container (QuickTime dates are UTC). */
  videoCreatedMs: number | null;
  fileName: string;
  mtimeMs: number;
  /** IANA zone for dates without an offset; '' means the process' zone. */
  zone: string;
  /** Where the photo was taken, for the zone of the position when nothing else gives an offset. */
  position?: { lat: number; lon: number } | null;
  /** IANA zone at a position (null when unknown); absent means no lookup. */
  zoneAt?: ((lat: number, lon: number) => string | null) | null;
}

export interface TakenAt extends Instant {
  source: TakenAtSource;
  offsetSource: TakenAtOffsetSource;
}

interface Candidate {
  wall: WallClock;
  /** The offset written with this date, if any. */
  offsetMin: number | null;
  source: TakenAtSource;
}

/**
 * Capture date, first found wins: sidecar XMP → EXIF DateTimeOriginal (+SubSec) → XMP in the
 * file → IPTC date + time → EXIF CreateDate / DateTimeDigitized → PNG creation time → video
 * container creation time → a date in the file name → EXIF ModifyDate → the file's mtime.
 *
 * Offset of a wall clock, first found: the date's own offset → the other EXIF offset tags →
 * the XMP copy of the same moment → GPS UTC time vs the wall clock → the zone of the GPS
 * position → the configured zone. exifr's revived Date objects ignore the offset tags, hence
 * the raw strings here.
 */
export function resolveTakenAt(input: TakenAtInput): TakenAt {
  const { tags } = input;
  const other = input.other ?? {};
  const exif = (date: unknown, offset: unknown, subSec: unknown): Candidate | null => {
    const wall = parseExifDateTime(date, subSec);
    return wall ? { wall, offsetMin: parseUtcOffset(str(offset)), source: 'exif' } : null;
  };
  const stamped = (date: StampedDate | null | undefined, source: TakenAtSource): Candidate | null =>
    date ? { wall: date.wall, offsetMin: date.offsetMin, source } : null;

  const early: Array<() => Candidate | null> = [
    () => stamped(other.sidecar, 'sidecar'),
    () => tags && exif(tags.DateTimeOriginal, tags.OffsetTimeOriginal, tags.SubSecTimeOriginal),
    () => stamped(other.xmp, 'xmp'),
    () => stamped(other.iptc, 'iptc'),
    () => tags && exif(tags.CreateDate ?? tags.DateTimeDigitized, tags.OffsetTimeDigitized, tags.SubSecTimeDigitized),
    () => stamped(other.png, 'png'),
  ];
  for (const find of early) {
    const found = find();
    if (found) return placeWallClock(found, input);
  }
  if (input.videoCreatedMs !== null && Number.isFinite(input.videoCreatedMs) && input.videoCreatedMs > 0) {
    return placeInstant(input.videoCreatedMs, 'video', input);
  }
  const fromName = parseFileNameDate(input.fileName);
  if (fromName) return placeWallClock({ wall: fromName, offsetMin: null, source: 'filename' }, input);
  const modified = tags && exif(tags.ModifyDate ?? tags.DateTime, tags.OffsetTime, tags.SubSecTime);
  if (modified) return placeWallClock({ ...modified, source: 'modified' }, input);
  return placeInstant(Math.trunc(input.mtimeMs), 'mtime', input);
}

function placeWallClock(candidate: Candidate, input: TakenAtInput): TakenAt {
  const { wall, source } = candidate;
  const tags = input.tags;
  const written =
    candidate.offsetMin ??
    parseUtcOffset(str(tags?.OffsetTimeOriginal)) ??
    parseUtcOffset(str(tags?.OffsetTimeDigitized)) ??
    parseUtcOffset(str(tags?.OffsetTime)) ??
    sameMomentOffset(wall, input.other?.xmp);
  if (written !== null) return { ...wallClockWithOffset(wall, written), source, offsetSource: 'file' };
  const gpsMs = tags ? gpsUtcMs(tags.GPSDateStamp, tags.GPSTimeStamp) : null;
  const fromGps = gpsMs === null ? null : offsetFromGps(wall, gpsMs);
  if (fromGps !== null) return { ...wallClockWithOffset(wall, fromGps), source, offsetSource: 'gps' };
  const local = positionZone(input);
  if (local) return { ...wallClockInZone(wall, local), source, offsetSource: 'location' };
  return { ...wallClockInZone(wall, input.zone), source, offsetSource: 'zone' };
}

/** An instant (video creation, mtime) shown on the clock of where it was taken, if known. */
function placeInstant(ms: number, source: TakenAtSource, input: TakenAtInput): TakenAt {
  const local = positionZone(input);
  if (local) return { ms, offsetMin: zoneOffsetMinutes(local, ms), source, offsetSource: 'location' };
  return { ms, offsetMin: zoneOffsetMinutes(input.zone, ms), source, offsetSource: 'zone' };
}

/** The offset of an XMP date showing the same wall clock (to the second): the same moment, written with its offset. */
function sameMomentOffset(wall: WallClock, xmp: StampedDate | null | undefined): number | null {
  if (!xmp || xmp.offsetMin === null || xmp.dateOnly) return null;
  const a = xmp.wall;
  const same =
    a.year === wall.year && a.month === wall.month && a.day === wall.day &&
    a.hour === wall.hour && a.minute === wall.minute && a.second === wall.second;
  return same ? xmp.offsetMin : null;
}

function positionZone(input: TakenAtInput): string | null {
  if (!input.position || !input.zoneAt) return null;
  try {
    return input.zoneAt(input.position.lat, input.position.lon);
  } catch {
    return null;
  }
}

const str = (value: unknown) => (typeof value === 'string' ? value : null);

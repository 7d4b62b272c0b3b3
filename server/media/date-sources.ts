import { isValidWallClock, type WallClock } from './wall-clock.js';

/**
 * Parsers for the textual dates found in EXIF tags and file names. Pure functions:
 * each returns a validated wall clock or null, never throws.
 */

/** Builds a wall clock from regex groups: year, month, day, then optional hour, minute, second. */
function fromGroups(m: RegExpExecArray, millisecond: number, defaultHour = 0): WallClock {
  const at = (i: number, fallback: number) => (m[i] === undefined ? fallback : Number(m[i]));
  return {
    year: at(1, 0),
    month: at(2, 0),
    day: at(3, 0),
    hour: at(4, defaultHour),
    minute: at(5, 0),
    second: at(6, 0),
    millisecond,
  };
}

/** EXIF "YYYY:MM:DD HH:MM:SS" (also with '-' separators and fractional seconds). */
export function parseExifDateTime(text: unknown, subSec?: unknown): WallClock | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(text.trim());
  if (!m) return null;
  const fraction = m[7] ?? (typeof subSec === 'string' || typeof subSec === 'number' ? String(subSec) : '');
  const wall = fromGroups(m, /^\d+$/.test(fraction) ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0);
  // Cameras without a set clock write "0000:00:00 00:00:00"; that is no date.
  return isValidWallClock(wall) ? wall : null;
}

/**
 * Dates that phones and cameras put in file names, e.g. IMG_20230714_182205.jpg,
 * PXL_20230714_182205123.jpg, VID_20230714_182205.mp4, "2023-07-14 18.22.05.jpg",
 * Screenshot_2023-07-14-18-22-05.png, IMG-20230714-WA0001.jpg (date only, read as noon).
 */
const namePatterns: RegExp[] = [
  // 20230714_182205, 20230714-182205, 20230714182205 (+ optional millis)
  /(?<!\d)(\d{4})(\d{2})(\d{2})[_-]?(\d{2})(\d{2})(\d{2})(\d{3})?(?!\d{1,2}(?!\d))/,
  // 2023-07-14 18.22.05, 2023-07-14_18-22-05, 2023-07-14T18:22:05
  /(?<!\d)(\d{4})-(\d{2})-(\d{2})[ _T-](\d{2})[.\-:_](\d{2})[.\-:_](\d{2})(?!\d)/,
  // Date only: 2023-07-14, IMG-20230714-WA0001
  /(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/,
  /(?:IMG|VID|PXL|DSC|PANO|MVIMG|Screenshot|WhatsApp)[-_ ]?(?:Image|Video)?[-_ ]?(\d{4})(\d{2})(\d{2})(?!\d)/i,
];

export function parseFileNameDate(fileName: string): WallClock | null {
  const base = fileName.replace(/\.[^.]*$/, '');
  for (const pattern of namePatterns) {
    const m = pattern.exec(base);
    if (!m) continue;
    // Noon for a date without a time keeps it on the same day in any zone.
    const wall = fromGroups(m, m[7] ? Number(m[7]) : 0, 12);
    if (isValidWallClock(wall) && wall.year >= 1990) return wall;
  }
  return null;
}

/** A date as written in XMP, IPTC or PNG text: a wall clock, with the offset when it says one. */
export interface StampedDate {
  wall: WallClock;
  /** Minutes east of UTC; null when the text has none. */
  offsetMin: number | null;
  /** Only a day was written (the wall clock is then noon, which stays on that day in any zone). */
  dateOnly: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * XMP / ISO 8601 ("2023-07-14T18:22:05.12+02:00", "2023-07-14", exiftool's
 * "2023:07:14 18:22:05+02:00", odd "+1:00" offsets) and RFC 1123 ("Fri, 14 Jul 2023
 * 18:22:05 +0200", the PNG convention for "Creation Time").
 */
export function parseStampedDate(text: unknown): StampedDate | null {
  if (typeof text !== 'string') return null;
  const trimmed = text.trim();
  const iso =
    /^(\d{4})[-:](\d{2})[-:](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,](\d+))?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?)?$/i.exec(trimmed);
  if (iso) {
    const dateOnly = iso[4] === undefined;
    const wall: WallClock = {
      year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]),
      hour: dateOnly ? 12 : Number(iso[4]), minute: dateOnly ? 0 : Number(iso[5]), second: Number(iso[6] ?? 0),
      millisecond: iso[7] ? Number(iso[7].slice(0, 3).padEnd(3, '0')) : 0,
    };
    if (!isValidWallClock(wall)) return null;
    return { wall, offsetMin: dateOnly ? null : parseLooseOffset(iso[8]), dateOnly };
  }
  const rfc = /(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{4})?/i.exec(trimmed);
  if (rfc) {
    const month = MONTHS.indexOf(rfc[2]!.toLowerCase()) + 1;
    const wall: WallClock = {
      year: Number(rfc[3]), month, day: Number(rfc[1]),
      hour: Number(rfc[4]), minute: Number(rfc[5]), second: Number(rfc[6] ?? 0), millisecond: 0,
    };
    if (month === 0 || !isValidWallClock(wall)) return null;
    const zone = rfc[7]?.toUpperCase();
    const offsetMin = zone === undefined ? null : /^[+-]/.test(zone) ? parseLooseOffset(zone) : 0;
    return { wall, offsetMin, dateOnly: false };
  }
  return null;
}

/** "Z", "+02:00", "+0200", "+2:00", "+02" → minutes east of UTC; null when absent or out of range. */
export function parseLooseOffset(text: string | undefined): number | null {
  if (!text) return null;
  if (text.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(text);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (minutes > 14 * 60 || Number(m[3] ?? 0) > 59) return null;
  return m[1] === '-' ? -minutes : minutes;
}

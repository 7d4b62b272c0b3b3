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

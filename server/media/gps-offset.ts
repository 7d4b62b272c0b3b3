import type { WallClock } from './wall-clock.js';

/**
 * The UTC offset implied by a local capture time and the GPS fix's UTC time: many cameras
 * and older phones write a local DateTimeOriginal without an offset tag but with
 * GPSDateStamp + GPSTimeStamp. Pure.
 */

/** How far the GPS fix may lie from the shot once the offset is rounded (fixes lag a little). */
export const GPS_DRIFT_MS = 90_000;
const QUARTER_HOUR_MS = 15 * 60_000;

/** GPSDateStamp "YYYY:MM:DD" + GPSTimeStamp [h, m, s] (or "hh:mm:ss") as a UTC instant. */
export function gpsUtcMs(dateStamp: unknown, timeStamp: unknown): number | null {
  const d =
    typeof dateStamp === 'string' ? /^(\d{4})[:-](\d{2})[:-](\d{2})/.exec(dateStamp.trim()) : null;
  if (!d) return null;
  let parts: number[] | null = null;
  if (Array.isArray(timeStamp) && timeStamp.length === 3) parts = timeStamp.map(Number);
  else if (typeof timeStamp === 'string') {
    const t = /^(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(timeStamp.trim());
    if (t) parts = [Number(t[1]), Number(t[2]), Number(t[3])];
  }
  if (
    !parts ||
    parts.some((n) => !Number.isFinite(n) || n < 0) ||
    parts[0]! > 24 ||
    parts[1]! >= 60 ||
    parts[2]! >= 61
  )
    return null;
  const dayMs = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
  if (!Number.isFinite(dayMs) || Number(d[1]) < 1980) return null;
  return dayMs + Math.round(((parts[0]! * 60 + parts[1]!) * 60 + parts[2]!) * 1000);
}

/**
 * Minutes east of UTC, or null when the difference is no real zone offset (outside
 * −12:00…+14:00) or the fix is too far from the shot to tell.
 */
export function offsetFromGps(wall: WallClock, gpsMs: number): number | null {
  const localAsUtc = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
  const difference = localAsUtc - gpsMs;
  const rounded = Math.round(difference / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  if (Math.abs(difference - rounded) > GPS_DRIFT_MS) return null;
  const minutes = rounded / 60_000;
  return minutes >= -12 * 60 && minutes <= 14 * 60 ? minutes + 0 : null; // + 0 turns -0 into 0
}

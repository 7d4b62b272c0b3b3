/**
 * Wall-clock dates and UTC offsets, without I/O. A photo's "local" date is the date on the
 * camera's clock, so filters and ISO strings use the offset the photo was taken at.
 */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export function isValidWallClock(w: WallClock): boolean {
  if (w.year < 1900 || w.year > 2200) return false;
  if (w.month < 1 || w.month > 12 || w.day < 1) return false;
  if (w.day > new Date(Date.UTC(w.year, w.month, 0)).getUTCDate()) return false;
  return w.hour <= 23 && w.minute <= 59 && w.second <= 60 && w.millisecond <= 999;
}

const wallAsUtc = (w: WallClock) =>
  Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);

/** Offset of `zone` (IANA, '' for the process' own) at instant `ms`, in minutes east of UTC. */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  if (zone === '') return -new Date(ms).getTimezoneOffset();
  // UTC needs no zone data: loading ICU's for the first formatter costs ~90 ms of CPU.
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  // "7/14/2023, GMT+02:00" ("GMT" alone for UTC on some runtimes): format() costs a third
  // of formatToParts(), and runs for most photos of a cold index.
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(offsetFormatter(zone).format(ms));
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function offsetFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, formatter);
  }
  return formatter;
}

export interface Instant {
  ms: number;
  offsetMin: number;
}

/** The instant at which `zone`'s clocks showed `wall` (the earlier one in a DST overlap). */
export function wallClockInZone(wall: WallClock, zone: string): Instant {
  const guess = wallAsUtc(wall);
  const first = zoneOffsetMinutes(zone, guess);
  let ms = guess - first * 60_000;
  const second = zoneOffsetMinutes(zone, ms);
  if (second === first) return { ms, offsetMin: second }; // no transition near: nothing to look up again
  ms = guess - second * 60_000;
  return { ms, offsetMin: zoneOffsetMinutes(zone, ms) };
}

export function wallClockWithOffset(wall: WallClock, offsetMin: number): Instant {
  return { ms: wallAsUtc(wall) - offsetMin * 60_000, offsetMin };
}

/** Wall clock seen at `ms` by someone at `offsetMin`. */
export function wallClockAt(ms: number, offsetMin: number): WallClock {
  const d = new Date(ms + offsetMin * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "2023-07-14T18:22:05+02:00" (milliseconds only when present). */
export function formatIsoWithOffset(ms: number, offsetMin: number): string {
  const w = wallClockAt(ms, offsetMin);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const millis = w.millisecond ? `.${pad(w.millisecond, 3)}` : '';
  return (
    `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}` +
    `${millis}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Parses "+02:00", "-0530", "Z"; null when absent or malformed. */
export function parseUtcOffset(text: string | null | undefined): number | null {
  if (!text) return null;
  const trimmed = text.trim();
  if (trimmed === 'Z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(trimmed);
  if (!match) return null;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  if (minutes > 14 * 60) return null;
  return match[1] === '-' ? -minutes : minutes;
}

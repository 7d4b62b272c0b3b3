import { isValidWallClock } from './wall-clock.js';
import { parseLooseOffset, type StampedDate } from './date-sources.js';

/**
 * IPTC-IIM `DateCreated` (2:55, "CCYYMMDD") and `TimeCreated` (2:60, "HHMMSS±HHMM") from a
 * JPEG's Photoshop APP13 block (resource 0x0404). Scans, agencies and older Photoshop
 * exports carry their date only there. Pure.
 */
const PHOTOSHOP = Buffer.from('Photoshop 3.0\0', 'latin1');
const IPTC_RESOURCE = Buffer.from('8BIM\x04\x04', 'latin1');

export function readIptcDate(buf: Buffer): StampedDate | null {
  const block = buf.indexOf(PHOTOSHOP);
  if (block < 0) return null;
  const resource = buf.indexOf(IPTC_RESOURCE, block);
  if (resource < 0 || resource > block + 65536) return null;
  // 8BIM, id (2), Pascal name padded to even length, data length (4), data.
  let at = resource + 6;
  const nameLength = buf[at];
  if (nameLength === undefined) return null;
  at += (nameLength + 2) & ~1;
  if (at + 4 > buf.length) return null;
  const length = buf.readUInt32BE(at);
  at += 4;
  const end = Math.min(buf.length, at + length);
  let date: string | null = null;
  let time: string | null = null;
  while (at + 5 <= end && buf[at] === 0x1c) {
    const record = buf[at + 1];
    const dataset = buf[at + 2];
    const size = buf.readUInt16BE(at + 3);
    if (size & 0x8000) return null; // extended lengths are not used for dates
    const value = buf.toString('latin1', at + 5, Math.min(end, at + 5 + size));
    if (record === 2 && dataset === 55) date = value;
    if (record === 2 && dataset === 60) time = value;
    at += 5 + size;
  }
  return iptcStamp(date, time);
}

export function iptcStamp(date: string | null, time: string | null): StampedDate | null {
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec(date?.trim() ?? '');
  if (!d) return null;
  const t = /^(\d{2}):?(\d{2}):?(\d{2})([+-]\d{2}:?\d{2})?$/.exec(time?.trim() ?? '');
  const wall = {
    year: Number(d[1]),
    month: Number(d[2]),
    day: Number(d[3]),
    hour: t ? Number(t[1]) : 12,
    minute: t ? Number(t[2]) : 0,
    second: t ? Number(t[3]) : 0,
    millisecond: 0,
  };
  if (!isValidWallClock(wall)) return null;
  return { wall, offsetMin: t ? parseLooseOffset(t[4]) : null, dateOnly: !t };
}

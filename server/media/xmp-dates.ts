import { parseStampedDate, type StampedDate } from './date-sources.js';

/**
 * Capture dates in XMP (embedded in a file or in a sidecar), found by their property names
 * rather than through a full RDF parse: only three properties matter here, and they appear
 * either as attributes (`exif:DateTimeOriginal="…"`) or as elements
 * (`<exif:DateTimeOriginal>…</exif:DateTimeOriginal>`). Pure.
 */

/**
 * In order of preference: when the shot was taken, when the content was made, when the file
 * was made (`xap:` is the prefix early Adobe software wrote for the `xmp:` namespace).
 */
const PROPERTIES = [
  'exif:DateTimeOriginal',
  'photoshop:DateCreated',
  'xmp:CreateDate',
  'xap:CreateDate',
] as const;

export interface XmpDate extends StampedDate {
  property: (typeof PROPERTIES)[number];
}

function propertyValue(xml: string, name: string): string | null {
  const attribute = new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(xml);
  if (attribute) return attribute[1] ?? attribute[2] ?? null;
  const element = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml);
  return element ? element[1]! : null;
}

/** Every dated property present, in order of preference. */
export function readXmpDates(xml: string): XmpDate[] {
  const found: XmpDate[] = [];
  for (const property of PROPERTIES) {
    if (!xml.includes(property)) continue;
    const parsed = parseStampedDate(propertyValue(xml, property));
    if (parsed) found.push({ ...parsed, property });
  }
  return found;
}

/**
 * The capture date of an XMP packet: the first property in order of preference, except that
 * a bare day is refined by a later property that gives a time on that same day.
 */
export function xmpCaptureDate(xml: string): XmpDate | null {
  const dates = readXmpDates(xml);
  const first = dates[0];
  if (!first?.dateOnly) return first ?? null;
  const sameDay = dates.find(
    (d) =>
      !d.dateOnly &&
      d.wall.year === first.wall.year &&
      d.wall.month === first.wall.month &&
      d.wall.day === first.wall.day,
  );
  return sameDay ?? first;
}

const XMP_START = Buffer.from('<x:xmpmeta');
const XMP_END = Buffer.from('</x:xmpmeta>');
const RDF_START = Buffer.from('<rdf:RDF');
const RDF_END = Buffer.from('</rdf:RDF>');

/** The XMP packet inside a file's bytes (JPEG APP1, PNG iTXt, TIFF/HEIF items), if whole. */
export function findXmpPacket(buf: Buffer): string | null {
  let start = buf.indexOf(XMP_START);
  let end = start >= 0 ? buf.indexOf(XMP_END, start) : -1;
  if (end >= 0) return buf.toString('utf8', start, end + XMP_END.length);
  start = buf.indexOf(RDF_START);
  end = start >= 0 ? buf.indexOf(RDF_END, start) : -1;
  return end >= 0 ? buf.toString('utf8', start, end + RDF_END.length) : null;
}

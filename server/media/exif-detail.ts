import exifr from 'exifr';

/** Fields worth showing in an info panel, read on demand so the index stays small. */
const detailTags = [
  'Make', 'Model', 'LensModel', 'FNumber', 'ExposureTime', 'ISO', 'FocalLength',
  'FocalLengthIn35mmFormat', 'Flash', 'DateTimeOriginal', 'OffsetTimeOriginal', 'Software',
  'Orientation', 'ColorSpace', 'GPSAltitude',
];

/**
 * One options object for every call: exifr keeps state for each distinct options object it
 * is given, so a fresh literal per request grew the heap by about 8 KB per item detail
 * (found by the memory soak bench; test/unit/exif-detail.test.ts keeps it from coming back).
 */
const detailOptions = { pick: detailTags, reviveValues: false, translateValues: false, xmp: false, icc: false, iptc: false };

export async function readExifDetail(absPath: string): Promise<Record<string, string | number | null>> {
  const raw = (await exifr.parse(absPath, detailOptions).catch(() => null)) as Record<string, unknown> | null;
  const detail: Record<string, string | number | null> = {};
  for (const tag of detailTags) {
    const value = raw?.[tag];
    if (typeof value === 'number' && Number.isFinite(value)) detail[tag] = value;
    // eslint-disable-next-line no-control-regex
    else if (typeof value === 'string') detail[tag] = value.replace(/[\u0000-\u001f]/g, '').trim().slice(0, 128);
  }
  return detail;
}

import exifr from 'exifr';

/** Fields worth showing in an info panel, read on demand so the index stays small. */
const detailTags = [
  'Make', 'Model', 'LensModel', 'FNumber', 'ExposureTime', 'ISO', 'FocalLength',
  'FocalLengthIn35mmFormat', 'Flash', 'DateTimeOriginal', 'OffsetTimeOriginal', 'Software',
  'Orientation', 'ColorSpace', 'GPSAltitude',
];

export async function readExifDetail(absPath: string): Promise<Record<string, string | number | null>> {
  const raw = (await exifr
    .parse(absPath, { pick: detailTags, reviveValues: false, translateValues: false, xmp: false, icc: false, iptc: false })
    .catch(() => null)) as Record<string, unknown> | null;
  const detail: Record<string, string | number | null> = {};
  for (const tag of detailTags) {
    const value = raw?.[tag];
    if (typeof value === 'number' && Number.isFinite(value)) detail[tag] = value;
    // eslint-disable-next-line no-control-regex
    else if (typeof value === 'string') detail[tag] = value.replace(/[\u0000-\u001f]/g, '').trim().slice(0, 128);
  }
  return detail;
}

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { run, treeDigest } from '../helpers/media.js';
import { api, startTestServer, type TestServer } from '../helpers/spis.js';

/**
 * Conformance on real files from cameras and phones (test/fixtures/real, see SOURCES.md):
 * every file's capture date (wall clock, and the offset where the file gives one) and
 * display size match exiftool's reading of it (exiftool.json, `exiftool -j -G1 -n`).
 */
const root = fileURLToPath(new URL('../fixtures/real/', import.meta.url));
type Reading = Record<string, string | number | undefined>;

/**
 * Files where spis reads another date than exiftool, and why. Keep this list short: every
 * entry is a file a user would see on another day than exiftool says.
 */
const exceptions: Record<string, string> = {};

/** The capture-date rule of the README applied to exiftool's reading. */
function expectedCapture(
  r: Reading,
): { wall: string; millis: number | null; offset: string | null; tag: string } | null {
  const exifOffset = [
    r['ExifIFD:OffsetTimeOriginal'],
    r['ExifIFD:OffsetTimeDigitized'],
    r['ExifIFD:OffsetTime'],
  ].find((v) => typeof v === 'string') as string | undefined;
  const xmpTags = ['XMP-exif:DateTimeOriginal', 'XMP-photoshop:DateCreated', 'XMP-xmp:CreateDate'];
  const split = (text: string) => {
    const m =
      /^(\d{4}):(\d{2}):(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?(?:\.\d+)?(Z|[+-]\d{1,2}:\d{2})?$/.exec(
        text,
      );
    if (!m) throw new Error(`unexpected date ${text}`);
    const wall = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '12'}:${m[5] ?? '00'}:${m[6] ?? '00'}`;
    const zone = m[7] === 'Z' ? '+00:00' : (m[7]?.replace(/^([+-])(\d):/, '$10$2:') ?? null);
    return { wall, offset: zone };
  };
  const subSec = (v: unknown) =>
    v === undefined ? 0 : Number(String(v).slice(0, 3).padEnd(3, '0'));
  const exifDate = (tag: string, sub: unknown) => {
    const value = r[tag];
    if (typeof value !== 'string') return null;
    const { wall } = split(value);
    // The XMP copy of the same moment says the offset when EXIF does not.
    const xmpSame = xmpTags
      .map((t) => r[t])
      .find((v) => typeof v === 'string' && split(v).wall === wall && split(v).offset);
    const offset = exifOffset ?? (xmpSame ? split(xmpSame as string).offset : null);
    return { wall, millis: subSec(sub), offset, tag };
  };
  const original = exifDate('ExifIFD:DateTimeOriginal', r['ExifIFD:SubSecTimeOriginal']);
  if (original) return original;
  for (const tag of [
    'Reconyx:DateTimeOriginal',
    'PictureInfo:DateTimeOriginal',
    'CIFF:DateTimeOriginal',
  ]) {
    if (typeof r[tag] === 'string') return { ...split(r[tag] as string), millis: null, tag };
  }
  for (const tag of xmpTags) {
    const value = r[tag];
    if (typeof value !== 'string') continue;
    const date = split(value);
    // A bare day is refined by a later XMP date with a time on that day.
    if (!/ /.test(value)) {
      const refined = xmpTags
        .map((t) => r[t])
        .find(
          (v) =>
            typeof v === 'string' &&
            / /.test(v) &&
            split(v).wall.slice(0, 10) === date.wall.slice(0, 10),
        );
      if (refined) return { ...split(refined as string), millis: null, tag };
    }
    return { ...date, millis: null, tag };
  }
  if (typeof r['IPTC:DateCreated'] === 'string') {
    return {
      ...split(`${r['IPTC:DateCreated']} ${r['IPTC:TimeCreated'] ?? '12:00:00'}`),
      millis: null,
      tag: 'IPTC',
    };
  }
  return exifDate('ExifIFD:CreateDate', r['ExifIFD:SubSecTimeDigitized']);
}

function expectedSize(r: Reading): { width: number; height: number } {
  const width = Number(r['File:ImageWidth']);
  const height = Number(r['File:ImageHeight']);
  const file = String(r.SourceFile);
  const heif = /\.hei[cf]$/i.test(file);
  const swap = heif
    ? r['QuickTime:Rotation'] === 90 || r['QuickTime:Rotation'] === 270
    : Number(r['IFD0:Orientation'] ?? 1) >= 5;
  return swap ? { width: height, height: width } : { width, height };
}

describe('real photos from cameras and phones', () => {
  let server: TestServer;
  let readings: Reading[];
  let items: Map<string, ApiItem>;
  let before_: Map<string, string>;

  before(async () => {
    // Dates kept only in maker containers (Reconyx MakerNote, Olympus PictureInfo, Canon CIFF)
    // are read through exiftool, which spis uses where installed.
    await run('exiftool', ['-ver']).catch(() => {
      throw new Error('exiftool is missing: sudo apt-get install -y libimage-exiftool-perl');
    });
    readings = JSON.parse(await readFile(path.join(root, 'exiftool.json'), 'utf8')) as Reading[];
    before_ = await treeDigest(root);
    server = await startTestServer({
      media: root,
      config: { timezone: 'UTC', thumbnails: { pregenerate: false } },
    });
    const { body } = await api<MediaPage>(server, '/api/media?limit=500');
    items = new Map(body.items.map((item) => [item.path, item]));
  });
  after(async () => {
    await server?.close();
  });

  it('lists every file', () => {
    const missing = readings.map((r) => String(r.SourceFile).slice(2)).filter((p) => !items.has(p));
    assert.deepEqual(missing, []);
  });

  it('dates every file the way exiftool reads it', () => {
    const wrong: string[] = [];
    for (const reading of readings) {
      const rel = String(reading.SourceFile).slice(2);
      const item = items.get(rel);
      if (!item || rel in exceptions) continue;
      const expected = expectedCapture(reading);
      if (!expected) {
        // No capture date at all: spis must not invent one from a capture tag.
        if (!['modified', 'filename', 'mtime'].includes(item.takenAtSource))
          wrong.push(
            `${rel}: ${item.takenAt} from ${item.takenAtSource}, exiftool has no capture date`,
          );
        continue;
      }
      const wall = item.takenAt.slice(0, 19);
      const millis = /\.(\d{3})/.exec(item.takenAt)?.[1];
      const offset = item.takenAt.slice(-6);
      const problems: string[] = [];
      if (wall !== expected.wall) problems.push(`wall ${wall} ≠ ${expected.wall}`);
      if (expected.millis !== null && Number(millis ?? 0) !== expected.millis)
        problems.push(`millis ${millis ?? 0} ≠ ${expected.millis}`);
      if (expected.offset !== null && offset !== expected.offset)
        problems.push(`offset ${offset} ≠ ${expected.offset}`);
      if (problems.length)
        wrong.push(`${rel} (${expected.tag} → ${item.takenAtSource}): ${problems.join(', ')}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('sizes every file as displayed (EXIF orientation, HEIF irot)', () => {
    const wrong: string[] = [];
    for (const reading of readings) {
      const rel = String(reading.SourceFile).slice(2);
      const item = items.get(rel);
      if (!item) continue;
      const expected = expectedSize(reading);
      if (item.width !== expected.width || item.height !== expected.height) {
        wrong.push(`${rel}: ${item.width}×${item.height} ≠ ${expected.width}×${expected.height}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('never writes to the media folder', async () => {
    await server.close();
    assert.deepEqual(await treeDigest(root), before_);
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parseLooseOffset, parseStampedDate } from '../../server/media/date-sources.js';
import { gpsUtcMs, offsetFromGps } from '../../server/media/gps-offset.js';
import { heifDisplaySize, readHeifMeta, tiffInExifItem } from '../../server/media/heif-boxes.js';
import { iptcStamp, readIptcDate } from '../../server/media/iptc-date.js';
import { readPngMetadata } from '../../server/media/png-chunks.js';
import { sidecarFor, sidecarTarget } from '../../server/media/sidecar.js';
import { resolveTakenAt } from '../../server/media/taken-at.js';
import { findXmpPacket, xmpCaptureDate } from '../../server/media/xmp-dates.js';

const wall = (text: string) => parseStampedDate(text)!.wall;

void describe('stamped dates (XMP, IPTC, PNG text)', () => {
  void it('reads ISO 8601, exiftool style, odd offsets and RFC 1123', () => {
    assert.deepEqual(parseStampedDate('2008-05-25T19:31:26.0+1:00'), {
      wall: { year: 2008, month: 5, day: 25, hour: 19, minute: 31, second: 26, millisecond: 0 },
      offsetMin: 60,
      dateOnly: false,
    });
    assert.equal(parseStampedDate('2011:09:23 12:43:03Z')!.offsetMin, 0);
    assert.equal(parseStampedDate('2023-07-14T18:22')!.offsetMin, null);
    assert.deepEqual(parseStampedDate('2003-08-31'), {
      wall: { year: 2003, month: 8, day: 31, hour: 12, minute: 0, second: 0, millisecond: 0 },
      offsetMin: null,
      dateOnly: true,
    });
    const rfc = parseStampedDate('Fri, 14 Jul 2023 18:22:05 +0200')!;
    assert.equal(rfc.wall.hour, 18);
    assert.equal(rfc.offsetMin, 120);
    assert.equal(parseStampedDate('2023-02-30T10:00:00'), null);
    assert.equal(parseStampedDate('yesterday'), null);
    assert.equal(parseLooseOffset('+15:00'), null);
    assert.equal(parseLooseOffset('-0530'), -330);
  });

  void it('prefers exif:DateTimeOriginal, refines a bare day, reads attributes, elements and the xap prefix', () => {
    const xml = (body: string) =>
      `<x:xmpmeta><rdf:RDF><rdf:Description ${body}/></rdf:RDF></x:xmpmeta>`;
    assert.equal(
      xmpCaptureDate(
        xml(
          'xmp:CreateDate="2010-01-01T00:00:00Z" exif:DateTimeOriginal="2009-02-03T04:05:06+01:00"',
        ),
      )!.property,
      'exif:DateTimeOriginal',
    );
    const refined = xmpCaptureDate(
      xml('photoshop:DateCreated="2003-08-31" xmp:CreateDate="2003-08-31T22:03:32Z"'),
    )!;
    assert.deepEqual([refined.wall.hour, refined.dateOnly], [22, false]);
    assert.equal(
      xmpCaptureDate(xml('xap:CreateDate="2005-09-07T15:07:40-07:00"'))!.offsetMin,
      -420,
    );
    assert.equal(
      xmpCaptureDate('<rdf:RDF><xmp:CreateDate>2001-02-03T04:05:06</xmp:CreateDate></rdf:RDF>')!
        .wall.year,
      2001,
    );
    assert.equal(xmpCaptureDate(xml('xmp:ModifyDate="2010-01-01T00:00:00Z"')), null);
    assert.equal(findXmpPacket(Buffer.from(`junk${xml('a="b"')}junk`)), xml('a="b"'));
    assert.equal(findXmpPacket(Buffer.from('<x:xmpmeta> never closed')), null);
  });

  void it('reads IPTC DateCreated + TimeCreated from a Photoshop APP13 block', () => {
    const dataset = (n: number, value: string) =>
      Buffer.concat([Buffer.from([0x1c, 2, n, 0, value.length]), Buffer.from(value, 'latin1')]);
    const iim = Buffer.concat([dataset(55, '20190506'), dataset(60, '070809+0300')]);
    const resource = Buffer.concat([
      Buffer.from('8BIM\x04\x04\x00\x00', 'latin1'),
      Buffer.alloc(4),
      iim,
    ]);
    resource.writeUInt32BE(iim.length, 8);
    const head = Buffer.concat([
      Buffer.from('\xff\xd8\xff\xed\x00\x00Photoshop 3.0\x00', 'latin1'),
      resource,
    ]);
    const date = readIptcDate(head)!;
    assert.deepEqual(
      [date.wall.year, date.wall.month, date.wall.day, date.wall.hour, date.offsetMin],
      [2019, 5, 6, 7, 180],
    );
    assert.equal(iptcStamp('20190506', null)!.dateOnly, true);
    assert.equal(iptcStamp('2019', '070809'), null);
  });
});

void describe('GPS clock offsets', () => {
  const local = wall('2023-07-14T18:22:05');
  void it('rounds the difference to a quarter hour when the fix is close to the shot', () => {
    assert.equal(offsetFromGps(local, gpsUtcMs('2023:07:14', [16, 21, 30])!), 120);
    assert.equal(offsetFromGps(local, gpsUtcMs('2023:07:14', [12, 52, 5])!), 330);
    assert.equal(offsetFromGps(local, gpsUtcMs('2023:07:14', '18:22:07')!), 0);
  });
  void it('gives no offset for a stale fix or one beyond −12:00…+14:00', () => {
    assert.equal(offsetFromGps(local, gpsUtcMs('2023:07:14', [16, 10, 0])!), null);
    assert.equal(
      offsetFromGps(wall('2008-10-22T16:28:39'), gpsUtcMs('2008:10:23', [14, 27, 7.24])!),
      null,
    );
    assert.equal(gpsUtcMs('0000:00:00', [0, 0, 0]), null);
    assert.equal(gpsUtcMs('2023:07:14', [25, 0, 0]), null);
  });
});

void describe('capture date order', () => {
  const base = { videoCreatedMs: null, fileName: 'x.jpg', mtimeMs: 0, zone: 'UTC' };
  void it('takes ModifyDate only after the file name, and EXIF offsets for other sources', () => {
    const tags = { ModifyDate: '2020:01:01 00:00:00', OffsetTimeOriginal: '+03:00' };
    assert.equal(
      resolveTakenAt({ ...base, tags, fileName: 'IMG_20190202_101010.jpg' }).source,
      'filename',
    );
    const modified = resolveTakenAt({ ...base, tags });
    assert.deepEqual(
      [modified.source, modified.offsetMin, modified.offsetSource],
      ['modified', 180, 'file'],
    );
    const iptc = resolveTakenAt({
      ...base,
      tags,
      other: { iptc: parseStampedDate('2019-05-06T07:08:09') },
    });
    assert.deepEqual([iptc.source, iptc.offsetMin], ['iptc', 180]);
  });
  void it('takes the offset of the XMP copy of the same moment, and the zone at the position last', () => {
    const tags = { DateTimeOriginal: '2008:03:15 09:52:01' };
    const same = resolveTakenAt({
      ...base,
      tags,
      other: { xmp: parseStampedDate('2008-03-15T09:52:01-04:00') },
    });
    assert.deepEqual([same.source, same.offsetMin], ['exif', -240]);
    const placed = resolveTakenAt({
      ...base,
      tags,
      position: { lat: 1, lon: 2 },
      zoneAt: () => 'Asia/Tokyo',
    });
    assert.deepEqual([placed.offsetMin, placed.offsetSource], [540, 'location']);
  });
});

void describe('HEIF boxes', () => {
  void it('reads ispe, irot and the Exif item of a real iPhone HEIC', async () => {
    const file = await readFile(
      new URL('../fixtures/real/heic/mobile/iphone_13_pro_max.HEIC', import.meta.url),
    );
    const result = readHeifMeta(file.subarray(0, 64 * 1024));
    assert.ok(result && 'meta' in result);
    assert.deepEqual(
      [result.meta.width, result.meta.height, result.meta.rotation],
      [4032, 3024, 270],
    );
    assert.deepEqual(heifDisplaySize(result.meta), { width: 3024, height: 4032 });
    const extent = result.meta.exif![0]!;
    const tiff = tiffInExifItem(file.subarray(extent.offset, extent.offset + extent.length))!;
    assert.match(tiff.toString('latin1', 0, 4), /^(II\*\0|MM\0\*)$/);
  });
  void it('asks for more bytes when the meta box runs past the head, and finds TIFF after a zero offset', () => {
    const meta = Buffer.alloc(16);
    meta.writeUInt32BE(100_000, 0);
    meta.write('meta', 4, 'latin1');
    assert.deepEqual(readHeifMeta(meta), { needBytes: 100_000 });
    const libheif = Buffer.concat([Buffer.alloc(4), Buffer.from('MM\0*\0\0\0\x08\0\0', 'latin1')]);
    assert.equal(tiffInExifItem(libheif)!.toString('latin1', 0, 4), 'MM\0*');
    assert.equal(readHeifMeta(Buffer.from('not a heif file at all')), null);
  });
});

void describe('PNG chunks and sidecar names', () => {
  void it('reads Creation Time text and eXIf, stopping at image data', () => {
    const chunk = (type: string, data: Buffer) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length, 0);
      head.write(type, 4, 'latin1');
      return Buffer.concat([head, data, Buffer.alloc(4)]);
    };
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', Buffer.alloc(13)),
      chunk('tEXt', Buffer.from('Creation Time\0Fri, 14 Jul 2023 18:22:05 +0200', 'latin1')),
      chunk('eXIf', Buffer.from('MM\0*', 'latin1')),
      chunk('IDAT', Buffer.alloc(4)),
      chunk('tEXt', Buffer.from('Creation Time\0ignored', 'latin1')),
    ]);
    const found = readPngMetadata(png)!;
    assert.equal(found.creationTime, 'Fri, 14 Jul 2023 18:22:05 +0200');
    assert.equal(found.exif!.toString('latin1'), 'MM\0*');
    assert.equal(readPngMetadata(Buffer.from('GIF89a')), null);
  });
  void it('pairs photo.jpg.xmp before photo.xmp, case-insensitively', () => {
    const names = new Map([
      ['img_1.xmp', 'IMG_1.xmp'],
      ['img_1.jpg.xmp', 'IMG_1.JPG.xmp'],
    ]);
    assert.equal(sidecarFor('IMG_1.JPG', names), 'IMG_1.JPG.xmp');
    assert.equal(sidecarFor('IMG_1.MOV', names), 'IMG_1.xmp');
    assert.equal(sidecarFor('IMG_2.JPG', names), null);
    assert.deepEqual(sidecarTarget('a.jpg.xmp'), { exact: 'a.jpg', base: 'a' });
    assert.deepEqual(sidecarTarget('a.xmp'), { exact: null, base: 'a' });
  });
});

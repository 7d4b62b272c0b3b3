import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { jpegBuffer, run, treeDigest, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { connectEvents, type EventClient } from '../helpers/ws-client.js';

/**
 * One generated file per rule of the capture-date and display-size order (README "Dates"),
 * written by the tools that write such files in the wild: exiftool, heif-enc, ffmpeg.
 */

const exiftool = (file: string, ...args: string[]) =>
  run('exiftool', ['-q', '-overwrite_original', ...args, file]);

const sidecarXml = (date: string) =>
  `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
  `<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:DateTimeOriginal="${date}"/>` +
  `</rdf:RDF></x:xmpmeta>`;

/**
 * heif-enc writes no rotation and exiftool cannot add one to HEIF, so the rotation is put in
 * place of the primary image's `pixi` property (same size, no offsets move): an `irot` box
 * whose first byte says 270° anticlockwise, as a phone held upright writes it.
 */
async function rotateHeic(file: string): Promise<void> {
  const bytes = await readFile(file);
  const at = bytes.indexOf('pixi', bytes.indexOf('ipco'), 'latin1');
  assert.ok(at > 0, 'heif-enc output has a pixi property to turn into irot');
  bytes.write('irot', at, 'latin1');
  bytes[at + 4] = 3;
  await writeFile(file, bytes);
}

/**
 * An uncompressed 8-bit grey big-endian TIFF with its directory after the pixels, as
 * scanners and big-endian writers lay it out (sharp writes little-endian, directory first).
 */
function bigEndianTiff(width: number, height: number): Buffer {
  const entries: Array<[tag: number, type: number, value: number]> = [
    [256, 3, width],
    [257, 3, height],
    [258, 3, 8],
    [259, 3, 1],
    [262, 3, 1],
    [273, 4, 8],
    [277, 3, 1],
    [278, 3, height],
    [279, 4, width * height],
  ];
  const ifdAt = 8 + width * height;
  const buf = Buffer.alloc(ifdAt + 2 + entries.length * 12 + 4, 0x80);
  buf.write('MM', 0, 'latin1');
  buf.writeUInt16BE(42, 2);
  buf.writeUInt32BE(ifdAt, 4);
  buf.writeUInt16BE(entries.length, ifdAt);
  entries.forEach(([tag, type, value], i) => {
    const at = ifdAt + 2 + i * 12;
    buf.writeUInt16BE(tag, at);
    buf.writeUInt16BE(type, at + 2);
    buf.writeUInt32BE(1, at + 4);
    if (type === 3) buf.writeUInt16BE(value, at + 8);
    else buf.writeUInt32BE(value, at + 8);
  });
  buf.writeUInt32BE(0, buf.length - 4);
  return buf;
}

describe('capture date rules, one generated file each', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let events: EventClient;
  let digest: Map<string, string>;

  before(async () => {
    await run('exiftool', ['-ver']).catch(() => {
      throw new Error('exiftool is missing: sudo apt-get install -y libimage-exiftool-perl');
    });
    await run('heif-enc', ['--help']).catch((error: { stdout?: string; stderr?: string }) => {
      if (!`${error.stdout}${error.stderr}`.includes('heif-enc'))
        throw new Error('heif-enc is missing: sudo apt-get install -y libheif-examples');
    });
    media = await tempDir('spis-media-');
    const at = (name: string) => path.join(media.dir, name);

    // Sidecar wins over EXIF, in both naming styles.
    await writeJpeg(at('sidecar/a.jpg'), { taken: '2023:07:14 18:22:05', offset: '+02:00' });
    await writeFile(at('sidecar/a.jpg.xmp'), sidecarXml('2020-01-02T03:04:05+01:00'));
    await writeJpeg(at('sidecar/b.jpg'), { taken: '2023:07:14 18:22:05', color: '#224466' });
    await writeFile(at('sidecar/b.xmp'), sidecarXml('2019-12-31T23:30:00'));
    await writeJpeg(at('sidecar/c.jpg'), {
      taken: '2023:07:14 18:22:05',
      offset: '+02:00',
      color: '#446622',
    });

    // No offset tag, but the GPS clock: 18:22:05 local, 16:21:30 UTC → +02:00.
    await writeJpeg(at('gps.jpg'), { taken: '2023:07:14 18:22:05', color: '#662244' });
    await exiftool(at('gps.jpg'), '-GPSDateStamp=2023:07:14', '-GPSTimeStamp=16:21:30');
    // A GPS fix far from the shot says nothing about the offset.
    await writeJpeg(at('gps-stale.jpg'), { taken: '2023:07:14 18:22:05', color: '#226644' });
    await exiftool(at('gps-stale.jpg'), '-GPSDateStamp=2023:07:13', '-GPSTimeStamp=09:00:00');

    // GPS position but no GPS clock: the zone at the position (Tokyo, +09:00 all year).
    await writeJpeg(at('tokyo.jpg'), { taken: '2023:07:14 18:22:05', color: '#664422' });
    await exiftool(
      at('tokyo.jpg'),
      '-GPSLatitude=35.68',
      '-GPSLatitudeRef=N',
      '-GPSLongitude=139.69',
      '-GPSLongitudeRef=E',
    );

    // IPTC only (scans, agencies).
    await writeFile(at('iptc.jpg'), await jpegBuffer({ color: '#888822' }));
    await exiftool(
      at('iptc.jpg'),
      '-IPTC:DateCreated=2019:05:06',
      '-IPTC:TimeCreated=07:08:09+03:00',
    );

    // XMP in the file wins over ModifyDate (an edit time).
    await writeFile(at('xmp.jpg'), await jpegBuffer({ color: '#228888' }));
    await exiftool(
      at('xmp.jpg'),
      '-XMP-photoshop:DateCreated=2017-04-05T06:07:08-05:00',
      '-IFD0:ModifyDate=2024:01:01 00:00:00',
    );
    await writeFile(at('modified.jpg'), await jpegBuffer({ color: '#882288' }));
    await exiftool(
      at('modified.jpg'),
      '-IFD0:ModifyDate=2016:02:03 04:05:06',
      '-ExifIFD:OffsetTime=-03:00',
    );

    // PNG "Creation Time" text.
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#123456' } })
      .png()
      .toFile(at('shot.png'));
    await exiftool(at('shot.png'), '-PNG:CreationTime=2018:03:04 05:06:07');

    // HEIC written by libheif (its Exif item starts with a zero offset), and a rotated one.
    const source = at('heic-source.tmp');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#345678' } })
      .jpeg()
      .withExif({ IFD2: { DateTimeOriginal: '2021:08:09 10:11:12', OffsetTimeOriginal: '+05:30' } })
      .toFile(source);
    await run('heif-enc', ['-q', '50', source, '-o', at('libheif.heic')]);
    await run('heif-enc', ['-q', '50', source, '-o', at('rotated.heic')]);
    await rm(source);
    await rotateHeic(at('rotated.heic'));

    await writeFile(at('scan.tif'), bigEndianTiff(400, 300));

    digest = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir, config: { timezone: 'UTC' } });
    events = await connectEvents(server.url);
  });
  after(async () => {
    events?.ws.close();
    await server?.close();
    await media?.remove();
  });

  const item = async (rel: string): Promise<ApiItem> => {
    const { body } = await api<MediaPage>(server, `/api/media?limit=500`);
    const found = body.items.find((i) => i.path === rel);
    assert.ok(found, `${rel} is listed`);
    return found;
  };

  it('takes the sidecar date over EXIF (photo.jpg.xmp and photo.xmp)', async () => {
    const a = await item('sidecar/a.jpg');
    assert.equal(a.takenAt, '2020-01-02T03:04:05+01:00');
    assert.equal(a.takenAtSource, 'sidecar');
    const b = await item('sidecar/b.jpg');
    // No offset in the sidecar nor in EXIF: the configured zone.
    assert.equal(b.takenAt, '2019-12-31T23:30:00+00:00');
    assert.equal(b.takenAtSource, 'sidecar');
  });

  it('never lists a sidecar nor reports it as skipped', async () => {
    const { body } = await api<MediaPage>(server, '/api/media?limit=500');
    assert.equal(body.items.filter((i) => i.path.endsWith('.xmp')).length, 0);
    const status = await api<{ skipped?: unknown }>(server, '/api/status');
    assert.ok(
      !JSON.stringify(status.body.skipped ?? []).includes('.xmp'),
      JSON.stringify(status.body.skipped),
    );
  });

  it('updates an item live when its sidecar is added, edited or removed', async () => {
    const updated = (date: string) =>
      events.next(
        (m) =>
          m.type === 'media.updated' && m.item.path === 'sidecar/c.jpg' && m.item.takenAt === date,
        10_000,
        `media.updated with ${date}`,
      );
    assert.equal((await item('sidecar/c.jpg')).takenAtSource, 'exif');
    const sidecar = path.join(media.dir, 'sidecar/c.jpg.xmp');
    let next = updated('2015-06-07T08:09:10+00:00');
    await writeFile(sidecar, sidecarXml('2015-06-07T08:09:10Z'));
    await next;
    next = updated('2014-01-01T12:00:00-08:00');
    await writeFile(sidecar, sidecarXml('2014-01-01T12:00:00-08:00'));
    await next;
    next = updated('2023-07-14T18:22:05+02:00');
    await rm(sidecar);
    await next;
    assert.equal((await item('sidecar/c.jpg')).takenAtSource, 'exif');
    await writeFile(sidecar, sidecarXml('2015-06-07T08:09:10Z')); // restored, so the digest below holds
    await events.next(
      (m) =>
        m.type === 'media.updated' &&
        m.item.path === 'sidecar/c.jpg' &&
        m.item.takenAtSource === 'sidecar',
      10_000,
    );
    digest.set('sidecar/c.jpg.xmp', (await treeDigest(media.dir)).get('sidecar/c.jpg.xmp')!);
  });

  it('derives the offset from the GPS clock when no offset tag is written', async () => {
    const gps = await item('gps.jpg');
    assert.equal(gps.takenAt, '2023-07-14T18:22:05+02:00');
    assert.equal(gps.takenAtSource, 'exif');
    assert.equal(gps.takenAtOffsetSource, 'gps');
    const stale = await item('gps-stale.jpg');
    assert.equal(stale.takenAt, '2023-07-14T18:22:05+00:00');
    assert.equal(stale.takenAtOffsetSource, 'zone');
  });

  it('takes the zone at the GPS position when nothing else gives the offset', async () => {
    const tokyo = await item('tokyo.jpg');
    assert.equal(tokyo.takenAt, '2023-07-14T18:22:05+09:00');
    assert.equal(tokyo.takenAtOffsetSource, 'location');
  });

  it('reads IPTC date and time with its offset', async () => {
    const iptc = await item('iptc.jpg');
    assert.equal(iptc.takenAt, '2019-05-06T07:08:09+03:00');
    assert.equal(iptc.takenAtSource, 'iptc');
  });

  it('prefers XMP in the file over ModifyDate, and uses ModifyDate only as a late fallback', async () => {
    const xmp = await item('xmp.jpg');
    assert.equal(xmp.takenAt, '2017-04-05T06:07:08-05:00');
    assert.equal(xmp.takenAtSource, 'xmp');
    const modified = await item('modified.jpg');
    assert.equal(modified.takenAt, '2016-02-03T04:05:06-03:00');
    assert.equal(modified.takenAtSource, 'modified');
  });

  it('reads the PNG creation time', async () => {
    const png = await item('shot.png');
    assert.equal(png.takenAt, '2018-03-04T05:06:07+00:00');
    assert.equal(png.takenAtSource, 'png');
  });

  it('reads the EXIF of a libheif-written HEIC', async () => {
    const heic = await item('libheif.heic');
    assert.equal(heic.takenAt, '2021-08-09T10:11:12+05:30');
    assert.equal(heic.takenAtSource, 'exif');
    assert.deepEqual([heic.width, heic.height], [64, 48]);
  });

  it('sizes a rotated HEIC as displayed, like its thumbnail', async () => {
    const heic = await item('rotated.heic');
    assert.deepEqual([heic.width, heic.height], [48, 64]);
    const thumb = await fetch(`${server.url}${heic.thumbs.small}`, {
      headers: { accept: 'image/jpeg' },
    });
    assert.equal(thumb.status, 200);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    assert.ok(meta.height! > meta.width!, `thumbnail is portrait (${meta.width}×${meta.height})`);
  });

  it('lists a big-endian TIFF whose directory lies past the first 64 KiB', async () => {
    const tiff = await item('scan.tif');
    assert.equal(tiff.mime, 'image/tiff');
    assert.deepEqual([tiff.width, tiff.height], [400, 300]);
  });

  it('never writes to the media folder', async () => {
    await server.close();
    assert.deepEqual(await treeDigest(media.dir), digest);
  });
});

import assert from 'node:assert/strict';
import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MediaPage, TimelineBucket } from '../../server/shared/api-types.js';
import { jpegBuffer, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

describe('takenAt', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  const mtime = new Date('2019-03-04T05:06:07Z');

  before(async () => {
    media = await tempDir('spis-media-');
    await writeJpeg(path.join(media.dir, 'with-offset.jpg'), { taken: '2023:07:14 18:22:05', offset: '+02:00' });
    await writeJpeg(path.join(media.dir, 'no-offset.jpg'), { taken: '2023:07:14 18:22:05', color: '#111111' });
    await writeJpeg(path.join(media.dir, 'new-year.jpg'), { taken: '2023:01:01 00:30:00', offset: '+02:00', color: '#222222' });
    // No EXIF at all: the name carries the date.
    await writeFile(path.join(media.dir, 'IMG_20210505_101112.jpg'), await jpegBuffer({ color: '#333333' }));
    const plain = path.join(media.dir, 'plain.jpg');
    await writeFile(plain, await jpegBuffer({ color: '#444444' }));
    await utimes(plain, mtime, mtime);
    // The configured zone applies only where the file itself has no offset.
    server = await startTestServer({ media: media.dir, config: { timezone: 'America/New_York' } });
  });
  after(async () => {
    await server.close();
    await media.remove();
  });

  const item = async (name: string) => {
    const { body } = await api<MediaPage>(server, `/api/media?q=${encodeURIComponent(name)}`);
    assert.equal(body.items.length, 1, name);
    return body.items[0]!;
  };

  it('uses EXIF DateTimeOriginal with OffsetTimeOriginal', async () => {
    const found = await item('with-offset');
    assert.equal(found.takenAt, '2023-07-14T18:22:05+02:00');
    assert.equal(found.takenAtSource, 'exif');
  });

  it('reads EXIF without an offset in the configured time zone', async () => {
    const found = await item('no-offset');
    assert.equal(found.takenAt, '2023-07-14T18:22:05-04:00');
    assert.equal(found.takenAtSource, 'exif');
  });

  it('falls back to a date in the file name', async () => {
    const found = await item('IMG_2021');
    assert.equal(found.takenAt, '2021-05-05T10:11:12-04:00');
    assert.equal(found.takenAtSource, 'filename');
  });

  it('falls back to the file mtime', async () => {
    const found = await item('plain');
    assert.equal(found.takenAtSource, 'mtime');
    assert.equal(Date.parse(found.takenAt), mtime.getTime());
    assert.equal(found.takenAt, '2019-03-04T00:06:07-05:00');
  });

  it('files a photo by its own wall-clock date, not the server zone', async () => {
    // 2023-01-01 00:30 at +02:00 is 2022-12-31 in UTC and in New York, but January 2023 on the camera.
    const january = await api<MediaPage>(server, '/api/media?year=2023&month=1');
    assert.deepEqual(january.body.items.map((i) => i.name), ['new-year.jpg']);
    const december = await api<MediaPage>(server, '/api/media?year=2022&month=12');
    assert.deepEqual(december.body.items, []);
    const timeline = await api<TimelineBucket[]>(server, '/api/timeline?year=2023');
    assert.deepEqual(timeline.body, [{ year: 2023, month: 7, count: 2 }, { year: 2023, month: 1, count: 1 }]);
  });
});

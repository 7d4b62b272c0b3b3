import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createSpis, type Spis } from '../../server/app.js';
import { loadConfig } from '../../server/config/load.js';
import { createLogger } from '../../server/ops/logger.js';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { makeHeic, makeVideo } from '../helpers/thumbs.js';

async function byName(server: TestServer): Promise<Map<string, ApiItem>> {
  const { body } = await api<MediaPage>(server, '/api/media?limit=100');
  return new Map(body.items.map((item) => [item.name, item]));
}

async function thumb(server: TestServer, item: ApiItem, size: 'small' | 'large' = 'small') {
  const response = await fetch(server.url + item.thumbs[size], { headers: { accept: 'image/webp' } });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body, meta: response.status === 200 ? await sharp(body).metadata() : null };
}

/** Mean colour of an image, to tell a real frame from the grey placeholder card. */
async function meanColour(image: Buffer): Promise<number[]> {
  const { channels } = await sharp(image).stats();
  return channels.slice(0, 3).map((channel) => Math.round(channel.mean));
}

void describe('HEIC and video', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let digest: Map<string, string>;

  before(async () => {
    media = await tempDir('spis-heic-video-');
    const png = path.join(media.dir, '.source.png');
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#e03020' } }).png().toFile(png);
    await makeHeic(png, path.join(media.dir, 'IMG_0001.heic'));
    await makeVideo(path.join(media.dir, 'clip.mp4'), { seconds: 2, width: 320, height: 240 });
    digest = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir, config: { thumbnails: { pregenerate: false } } });
  });
  after(async () => {
    await server?.close();
    await media?.remove();
  });

  void it('HEIC gets real thumbnails decoded without sharp’s HEVC support', async () => {
    const heic = (await byName(server)).get('IMG_0001.heic');
    assert.ok(heic, 'HEIC indexed');
    assert.deepEqual([heic.width, heic.height], [640, 480]);
    const small = await thumb(server, heic);
    assert.equal(small.status, 200);
    assert.deepEqual([small.meta?.width, small.meta?.height], [400, 300]);
    const [red = 0, green = 255] = await meanColour(small.body);
    assert.ok(red > 180 && green < 90, `decoded colour ${red},${green}`);
    const large = await thumb(server, heic, 'large');
    assert.deepEqual([large.meta?.width, large.meta?.height], [640, 480]);
  });

  void it('video gets a poster frame, duration, size and creation date', async () => {
    const video = (await byName(server)).get('clip.mp4');
    assert.ok(video, 'video indexed');
    assert.equal(video.type, 'video');
    assert.deepEqual([video.width, video.height], [320, 240]);
    assert.ok(video.durationMs !== null && Math.abs(video.durationMs - 2000) < 150, `duration ${video.durationMs}`);
    assert.equal(video.takenAt, '2022-05-06T07:08:09+00:00');
    const poster = await thumb(server, video);
    assert.equal(poster.status, 200);
    assert.deepEqual([poster.meta?.width, poster.meta?.height], [320, 240]);
    const { channels } = await sharp(poster.body).stats();
    // testsrc is colourful; the placeholder card is flat grey.
    assert.ok(channels.some((channel) => channel.stdev > 40), 'a real frame, not the placeholder');
  });

  void it('serves the video itself for playback', async () => {
    const video = (await byName(server)).get('clip.mp4')!;
    const response = await fetch(`${server.url}/api/media/${video.id}/original`, { headers: { range: 'bytes=0-99' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-type'), 'video/mp4');
    assert.equal((await response.arrayBuffer()).byteLength, 100);
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
  });
});

void describe('video without ffmpeg', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      config: { video: { ffmpeg: '/nonexistent/ffmpeg', ffprobe: '/nonexistent/ffprobe' } },
    });
  });
  after(() => server?.close());

  void it('falls back to a working binary and says so once', () => {
    const warnings = server.logs.filter((line) => String(line.msg).includes('does not run'));
    assert.equal(warnings.length, 2);
    assert.ok(!server.logs.some((line) => String(line.msg).includes('ffmpeg/ffprobe not found')));
  });
});

void describe('no video tools at all', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  let data: Awaited<ReturnType<typeof tempDir>>;
  let spis: Spis;
  let url = '';
  const logs: Array<Record<string, unknown>> = [];
  const savedPath = process.env.PATH;

  before(async () => {
    media = await tempDir('spis-novideo-');
    data = await tempDir('spis-novideo-data-');
    await makeVideo(path.join(media.dir, 'clip.mp4'), { seconds: 1 });
    const { config } = loadConfig({
      env: {},
      overrides: { media: media.dir, data: data.dir, port: 0, timezone: 'UTC', log: { level: 'info' },
        video: { ffmpeg: '/nonexistent/ffmpeg', ffprobe: '/nonexistent/ffprobe' } },
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    // Nothing on PATH, no npm-installed fallback: no video tool works.
    process.env.PATH = '/nonexistent';
    try {
      spis = await createSpis(config, { log: createLogger(config.log, sink), videoInstallers: false });
    } finally {
      process.env.PATH = savedPath;
    }
    url = (await spis.listen()).url;
    await spis.start();
  });
  after(async () => {
    await spis?.close();
    await media?.remove();
    await data?.remove();
  });

  void it('lists videos with a placeholder poster and warns once', async () => {
    assert.equal(logs.filter((line) => String(line.msg).includes('ffmpeg/ffprobe not found')).length, 1);
    const server = { url } as TestServer;
    const video = (await byName(server)).get('clip.mp4');
    assert.ok(video, 'still listed');
    assert.equal(video.durationMs, null);
    const poster = await thumb(server, video);
    assert.equal(poster.status, 200);
    const { channels } = await sharp(poster.body).stats();
    assert.ok(channels.every((channel) => channel.mean < 120 && channel.stdev < 60), 'the dark placeholder card');
    assert.deepEqual([poster.meta?.width, poster.meta?.height], [400, 225]);
  });
});

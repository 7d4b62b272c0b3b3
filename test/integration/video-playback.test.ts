import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type {
  ApiItem,
  ApiItemDetail,
  ApiPlayback,
  MediaPage,
} from '../../server/shared/api-types.js';
import { treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';
import { makeFixture, probe, requireFfmpeg, type Fixture } from '../helpers/videos.js';
import { connectEvents, type EventClient } from '../helpers/ws-client.js';

const FIXTURES: Fixture[] = [
  'hevc.mov',
  'mjpeg.avi',
  'mpeg2.mts',
  'vp9.webm',
  'h264.mp4',
  'h264.mkv',
  'truncated.mp4',
  'silent-audio-only.mp4',
];

async function items(server: TestServer): Promise<Map<string, ApiItem>> {
  const { body } = await api<MediaPage>(server, '/api/media?limit=100');
  return new Map(body.items.map((item) => [item.name, item]));
}

async function item(server: TestServer, name: string): Promise<ApiItem> {
  const found = (await items(server)).get(name);
  assert.ok(found, `${name} is listed`);
  return found;
}

async function waitPlayback(
  server: TestServer,
  name: string,
  done: (playback: ApiPlayback) => boolean,
  timeoutMs = 180_000,
) {
  return waitFor(
    async () => {
      const found = (await items(server)).get(name);
      return found?.playback && done(found.playback) ? found : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `${name} playback` },
  );
}

async function fetchBytes(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

void describe('video playback', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let events: EventClient;
  let digest: Map<string, string>;

  before(async () => {
    await requireFfmpeg();
    media = await tempDir('spis-video-');
    for (const name of FIXTURES) await makeFixture(media.dir, name);
    digest = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir, waitReady: false });
    events = await connectEvents(server.url);
    await server.spis.start();
  });
  after(async () => {
    events?.ws.close();
    await server?.close();
    await media?.remove();
  });

  void it('MKV listed', async () => {
    const mkv = await item(server, 'h264.mkv');
    assert.equal(mkv.type, 'video');
    assert.equal(mkv.mime, 'video/x-matroska');
    assert.deepEqual([mkv.width, mkv.height], [160, 120]);
    assert.ok(
      mkv.durationMs !== null && Math.abs(mkv.durationMs - 2000) < 200,
      `duration ${mkv.durationMs}`,
    );
    const poster = await fetchBytes(server.url + mkv.thumbs.small, {
      headers: { accept: 'image/jpeg' },
    });
    assert.equal(poster.status, 200);
    assert.equal(poster.headers.get('content-type'), 'image/jpeg');
    const original = await fetchBytes(`${server.url}/api/media/${mkv.id}/original`);
    assert.deepEqual(original.body, await readFile(path.join(media.dir, 'h264.mkv')));
    // Matroska plays in some browsers only: it gets an MP4 rendition.
    assert.equal(mkv.playback?.transcoded, true);
  });

  void it('every other container is listed too, none skipped', async () => {
    const listed = await items(server);
    for (const name of FIXTURES)
      assert.ok(listed.get(name)?.type === 'video', `${name} listed as a video`);
    assert.equal(listed.get('mjpeg.avi')?.mime, 'video/x-msvideo');
    assert.equal(listed.get('mpeg2.mts')?.mime, 'video/mp2t');
    const { body } = await api<{ skipped: unknown[] }>(server, '/api/status');
    assert.deepEqual(body.skipped, []);
  });

  void it('serves browser-safe originals as they are, with ranges and a versioned cache', async () => {
    for (const [name, type] of [
      ['h264.mp4', 'video/mp4'],
      ['vp9.webm', 'video/webm'],
    ] as const) {
      const found = await item(server, name);
      assert.deepEqual(found.playback, {
        ready: true,
        url: `/api/media/${found.id}/play?v=${found.version}`,
        transcoded: false,
        progress: null,
        error: null,
      });
      const whole = await fetchBytes(server.url + found.playback.url!);
      assert.equal(whole.status, 200);
      assert.equal(whole.headers.get('content-type'), type);
      assert.match(whole.headers.get('cache-control') ?? '', /max-age=31536000/);
      assert.deepEqual(
        whole.body,
        await readFile(path.join(media.dir, name)),
        `${name}: the original bytes`,
      );
      const part = await fetchBytes(server.url + found.playback.url!, {
        headers: { range: 'bytes=100-199' },
      });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 100-199/${whole.body.length}`);
      assert.deepEqual(part.body, whole.body.subarray(100, 200));
      const again = await fetchBytes(server.url + found.playback.url!, {
        headers: { 'if-none-match': whole.headers.get('etag')! },
      });
      assert.equal(again.status, 304);
    }
  });

  void it('makes an upright H.264/AAC MP4 of the others, full length with sound, and serves it with ranges', async () => {
    for (const name of ['hevc.mov', 'mjpeg.avi', 'mpeg2.mts', 'h264.mkv']) {
      const ready = await waitPlayback(
        server,
        name,
        (playback) => playback.ready || playback.error !== null,
      );
      assert.deepEqual(
        ready.playback,
        {
          ready: true,
          url: `/api/media/${ready.id}/play?v=${ready.version}`,
          transcoded: true,
          progress: 1,
          error: null,
        },
        name,
      );
      const whole = await fetchBytes(server.url + ready.playback!.url!);
      assert.equal(whole.status, 200, name);
      assert.equal(whole.headers.get('content-type'), 'video/mp4');
      // +faststart: the index comes before the media data, so playback starts at once.
      assert.ok(
        whole.body.indexOf('moov') < whole.body.indexOf('mdat'),
        `${name}: moov before mdat`,
      );
      const file = path.join(server.data, 'rendition-check.mp4');
      await writeFile(file, whole.body);
      const facts = await probe(file);
      assert.equal(facts.video, 'h264', name);
      assert.equal(facts.audio, 'aac', name);
      assert.equal(facts.rotation, 0, `${name}: rotation applied, none left to apply`);
      // The HEVC clip was shot in portrait: its rendition is portrait too.
      assert.deepEqual(
        [facts.width, facts.height],
        name === 'hevc.mov' ? [120, 160] : [160, 120],
        name,
      );
      assert.ok(Math.abs(facts.seconds - 2) < 0.25, `${name}: full length (${facts.seconds} s)`);
      const part = await fetchBytes(server.url + ready.playback!.url!, {
        headers: { range: 'bytes=0-99' },
      });
      assert.equal(part.status, 206);
      assert.deepEqual(part.body, whole.body.subarray(0, 100));
    }
    // The single-item route says the same as the listing.
    const mov = await item(server, 'hevc.mov');
    const detail = await api<ApiItemDetail>(server, `/api/media/${mov.id}`);
    assert.deepEqual(detail.body.playback, mov.playback);
  });

  void it('pushes progress and readiness as media.updated', async () => {
    const mov = await item(server, 'hevc.mov');
    await events.next(
      (message) =>
        message.type === 'media.updated' &&
        message.item.id === mov.id &&
        message.item.playback?.ready === false &&
        typeof message.item.playback.progress === 'number',
      180_000,
      'a progress update',
    );
    await events.next(
      (message) =>
        message.type === 'media.updated' &&
        message.item.id === mov.id &&
        message.item.playback?.ready === true,
      180_000,
      'ready',
    );
  });

  void it('gives bad videos a reason, keeps them downloadable and moves on', async () => {
    const truncated = await item(server, 'truncated.mp4');
    assert.equal(truncated.playback?.ready, false);
    assert.equal(truncated.playback?.url, null);
    assert.match(truncated.playback?.error ?? '', /cannot be read/);
    assert.doesNotMatch(
      truncated.playback?.error ?? '',
      new RegExp(media.dir),
      'no server path in the reason',
    );
    const play = await api<{ error: { code: string; message: string } }>(
      server,
      `/api/media/${truncated.id}/play`,
    );
    assert.equal(play.status, 422);
    assert.match(play.body.error.message, /cannot be played/);
    assert.equal(
      (await fetchBytes(`${server.url}/api/media/${truncated.id}/original`)).status,
      200,
    );
    const audioOnly = await item(server, 'silent-audio-only.mp4');
    assert.equal(audioOnly.playback?.error, 'the file has no video stream');
  });

  void it('never writes the media folder, and keeps renditions in the data folder', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
    const files = await readdir(path.join(server.data, 'videos'));
    assert.equal(files.filter((name) => name.endsWith('.mp4')).length, 4, files.join(', '));
    const { body } = await api<{
      transcode: { cache: { files: number; bytes: number }; failed: number; done: number };
    }>(server, '/api/status');
    assert.equal(body.transcode.cache.files, 4);
    assert.ok(body.transcode.cache.bytes > 0);
  });
});

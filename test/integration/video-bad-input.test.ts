import assert from 'node:assert/strict';
import { readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';
import { hangingFfmpeg, makeFixture, requireFfmpeg } from '../helpers/videos.js';

async function byName(server: TestServer, name: string): Promise<ApiItem | undefined> {
  const { body } = await api<MediaPage>(server, '/api/media?limit=100');
  return body.items.find((item) => item.name === name);
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

void describe('video transcoding under bad conditions', () => {
  const cleanup: Array<() => Promise<void>> = [];
  before(requireFfmpeg);
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  async function library(names: Array<[fixture: Parameters<typeof makeFixture>[1], as: string]>) {
    const media = await tempDir('spis-video-bad-');
    cleanup.push(media.remove);
    for (const [fixture, as] of names)
      await rename(await makeFixture(media.dir, fixture), path.join(media.dir, as));
    return media.dir;
  }

  void it('a hanging ffmpeg is killed with a reason, and the queue moves on', async () => {
    const tools = await tempDir('spis-fake-ffmpeg-');
    cleanup.push(tools.remove);
    const fake = await hangingFfmpeg(tools.dir);
    const media = await library([
      ['mjpeg.avi', 'hang.avi'],
      ['mjpeg.avi', 'fine.avi'],
    ]);
    const server = await startTestServer({
      media,
      config: { video: { ffmpeg: fake.path, stallSeconds: 15 } },
    });
    cleanup.push(() => server.close());
    const hung = await waitFor(
      async () =>
        (await byName(server, 'hang.avi'))?.playback?.error
          ? byName(server, 'hang.avi')
          : undefined,
      {
        timeoutMs: 60_000,
        what: 'the hanging transcode to fail',
      },
    );
    assert.match(hung!.playback!.error!, /no progress for 15 s/);
    const pid = Number(await readFile(fake.pidFile, 'utf8'));
    assert.equal(isAlive(pid), false, 'the hanging ffmpeg was killed');
    const fine = await waitFor(
      async () => {
        const playback = (await byName(server, 'fine.avi'))?.playback;
        return playback?.ready || playback?.error ? playback : undefined;
      },
      { timeoutMs: 90_000, what: 'the next video' },
    );
    assert.equal(fine.error, null);
    assert.equal(fine.ready, true);
    assert.deepEqual(
      (await readdir(path.join(server.data, 'videos'))).filter((name) => name.includes('partial')),
      [],
    );
    // Tried once per version: the failure is kept, the queue does not spin on it.
    const { body } = await api<{ transcode: { failed: number; done: number; queued: number } }>(
      server,
      '/api/status',
    );
    assert.equal(body.transcode.failed, 1);
    assert.equal(body.transcode.queued, 0);
  });

  void it('shutdown kills a running ffmpeg and leaves no partial file', async () => {
    const tools = await tempDir('spis-fake-ffmpeg-');
    cleanup.push(tools.remove);
    const fake = await hangingFfmpeg(tools.dir);
    const media = await library([['mjpeg.avi', 'hang.avi']]);
    const data = await tempDir('spis-video-data-');
    cleanup.push(data.remove);
    const server = await startTestServer({
      media,
      data: data.dir,
      config: { video: { ffmpeg: fake.path } },
    });
    const pid = await waitFor(
      async () => Number(await readFile(fake.pidFile, 'utf8').catch(() => '')) || undefined,
      {
        timeoutMs: 30_000,
        what: 'ffmpeg to start',
      },
    );
    const videos = path.join(data.dir, 'videos');
    await waitFor(
      async () =>
        (await readdir(videos)).some((name) => name.endsWith('.partial')) ? true : undefined,
      { what: 'a partial file' },
    );
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 10_000, 'shutdown stays bounded');
    assert.equal(isAlive(pid), false, 'ffmpeg killed');
    assert.deepEqual(
      await readdir(videos),
      [],
      'no partial file, and no failure recorded for a file that is fine',
    );
  });

  void it('`off` serves every original as it is and transcodes nothing', async () => {
    const media = await library([['hevc.mov', 'portrait.mov']]);
    const digest = await treeDigest(media);
    const server = await startTestServer({ media, config: { video: { transcode: 'off' } } });
    cleanup.push(() => server.close());
    const item = (await byName(server, 'portrait.mov'))!;
    assert.deepEqual(item.playback, {
      ready: true,
      url: `/api/media/${item.id}/play?v=${item.version}`,
      transcoded: false,
      progress: null,
      error: null,
    });
    const response = await fetch(server.url + item.playback!.url!);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(
      Buffer.from(await response.arrayBuffer()),
      await readFile(path.join(media, 'portrait.mov')),
    );
    const { body } = await api<{
      transcode: { queued: number; running: number; done: number; mode: string };
    }>(server, '/api/status');
    assert.deepEqual(
      [body.transcode.mode, body.transcode.queued, body.transcode.running, body.transcode.done],
      ['off', 0, 0, 0],
    );
    assert.deepEqual(await treeDigest(media), digest);
  });

  void it('a hardware encoder that fails falls back to libx264', async () => {
    const media = await library([['mjpeg.avi', 'clip.avi']]);
    // An encoder this ffmpeg does not have fails like a missing device would.
    const server = await startTestServer({
      media,
      config: { video: { hwaccel: 'h264_missing_hw' } },
    });
    cleanup.push(() => server.close());
    const ready = await waitFor(
      async () => ((await byName(server, 'clip.avi'))?.playback?.ready ? true : undefined),
      { timeoutMs: 60_000, what: 'the rendition' },
    );
    assert.equal(ready, true);
    const { body } = await api<{ transcode: { encoder: string; failed: number } }>(
      server,
      '/api/status',
    );
    assert.deepEqual([body.transcode.encoder, body.transcode.failed], ['libx264', 0]);
    assert.ok(
      server.logs.some((line) => String(line.msg).includes('hardware video encoder failed')),
    );
  });

  void it('a video asked for while others wait goes first', async () => {
    const media = await library([
      ['mpeg2.mts', 'a.mts'],
      ['mpeg2.mts', 'b.mts'],
      ['mpeg2.mts', 'c.mts'],
      ['mpeg2.mts', 'wanted.mts'],
    ]);
    // Held back: nothing runs until the request has been made.
    const server = await startTestServer({ media, waitReady: false });
    cleanup.push(() => server.close());
    await server.spis.library.ready;
    const wanted = await waitFor(() => byName(server, 'wanted.mts'), { what: 'the item' });
    const play = await fetch(`${server.url}/api/media/${wanted.id}/play`);
    assert.equal(play.status, 503);
    assert.equal(play.headers.get('retry-after'), '5');
    await waitFor(
      async () => ((await byName(server, 'wanted.mts'))?.playback?.ready ? true : undefined),
      { timeoutMs: 60_000, what: 'wanted ready' },
    );
    const { body } = await api<{ transcode: { done: number } }>(server, '/api/status');
    // At most one background job may have started before the request came in.
    assert.ok(
      body.transcode.done <= 2,
      `the requested video jumped the queue (${body.transcode.done} done)`,
    );
  });
});

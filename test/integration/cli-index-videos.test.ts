import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import { treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir } from '../helpers/spis.js';
import { makeFixture, requireFfmpeg } from '../helpers/videos.js';
import type { MediaPage } from '../../server/shared/api-types.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

let media: Awaited<ReturnType<typeof tempDir>>;
let data: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  await requireFfmpeg();
  media = await tempDir('spis-media-');
  data = await tempDir('spis-data-');
  await makeFixture(media.dir, 'mjpeg.avi');
  await makeFixture(media.dir, 'h264.mp4');
  await makeFixture(media.dir, 'truncated.mp4');
});
after(async () => {
  await media.remove();
  await data.remove();
});

const index = (...extra: string[]) =>
  exec(
    process.execPath,
    [
      '--import',
      'tsx',
      'server/cli/main.ts',
      'index',
      '--media',
      media.dir,
      '--data',
      data.dir,
      '--timezone',
      'UTC',
      ...extra,
    ],
    {
      cwd: root,
      env: { ...process.env, SPIS_CONFIG: '' },
    },
  );

void it(
  'spis index leaves videos alone; with --videos it prepares their playable renditions',
  { timeout: 400_000 },
  async () => {
    const digest = await treeDigest(media.dir);
    const plain = await index();
    assert.doesNotMatch(plain.stdout, /videos made playable/);
    assert.deepEqual(
      (await readdir(path.join(data.dir, 'videos'))).filter((name) => name.endsWith('.mp4')),
      [],
      'nothing transcoded without --videos',
    );

    const withVideos = await index('--videos');
    assert.match(withVideos.stderr, /^playable videos .*100% +1\/1/m);
    assert.match(withVideos.stdout, /1 videos made playable, 0 failed/);
    assert.deepEqual(await treeDigest(media.dir), digest, 'the media folder is untouched');

    const server = await startTestServer({ media: media.dir, data: data.dir });
    try {
      const { body } = await api<MediaPage>(server, '/api/media');
      const avi = body.items.find((item) => item.name === 'mjpeg.avi');
      assert.equal(avi?.playback?.ready, true, 'ready as soon as serve starts');
      assert.equal(avi?.playback?.transcoded, true);
    } finally {
      await server.close();
    }
  },
);

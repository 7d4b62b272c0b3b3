import assert from 'node:assert/strict';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { MediaPage } from '../../server/shared/api-types.js';
import { jpegBuffer, treeDigest, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

interface Status {
  items: { total: number; skipped: number };
  skipped: Array<{ path: string; reason: string }>;
}

/** SOI + the APP1 (EXIF) segment of a real JPEG + EOI: metadata but no picture. */
async function exifWithoutImage(): Promise<Buffer> {
  const full = await jpegBuffer({ taken: '2020:02:02 02:02:02' });
  assert.equal(full.readUInt16BE(2), 0xffe1, 'the fixture JPEG starts with an EXIF segment');
  const end = 4 + full.readUInt16BE(4);
  return Buffer.concat([full.subarray(0, end), Buffer.from([0xff, 0xd9])]);
}

describe('bad input in the media folder', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let outside: { dir: string; remove: () => Promise<void> };
  let digestBefore: Map<string, string>;
  const isRoot = process.getuid?.() === 0;

  before(async () => {
    media = await tempDir('spis-media-');
    outside = await tempDir('spis-outside-');
    const m = (name: string) => path.join(media.dir, name);
    await writeJpeg(m('good.jpg'), { taken: '2022:02:02 10:00:00' });
    await writeFile(m('empty.jpg'), '');
    await writeFile(m('text.jpg'), 'this is not a photo, just text that ends in .jpg\n');
    const noisy = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg()
      .toBuffer();
    await writeFile(m('truncated.jpg'), noisy.subarray(0, Math.floor(noisy.length * 0.6)));
    await writeFile(m('stub.jpg'), noisy.subarray(0, 20));
    await writeFile(m('exif-only.jpg'), await exifWithoutImage());
    await writeJpeg(path.join(outside.dir, 'secret.jpg'), { color: '#ff00ff' });
    await symlink(path.join(outside.dir, 'secret.jpg'), m('escape.jpg'));
    await symlink(outside.dir, m('escape-folder'));
    await symlink(media.dir, m('loop'));
    await mkdir(m('nested'));
    await symlink('..', m('nested/up'));
    await symlink(m('good.jpg'), m('alias.jpg'));
    await symlink(m('missing.jpg'), m('dangling.jpg'));
    await writeJpeg(m('locked.jpg'), { color: '#00ffff' });
    await chmod(m('locked.jpg'), 0o000);
    digestBefore = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir });
  });
  after(async () => {
    await server?.close();
    await chmod(path.join(media.dir, 'locked.jpg'), 0o644);
    assert.deepEqual(await treeDigest(media.dir), digestBefore, 'the media folder must never be written to');
    await media.remove();
    await outside.remove();
  });

  it('indexes the good files, follows links inside, and ends the walk despite loops', async () => {
    const { body } = await api<MediaPage>(server, '/api/media?limit=500');
    const paths = body.items.map((i) => i.path).sort();
    const expected = ['alias.jpg', 'good.jpg', 'truncated.jpg'];
    if (isRoot) expected.push('locked.jpg'); // root reads any file: nothing to skip
    assert.deepEqual(paths, expected.sort());
  });

  it('skips each bad file with its reason, a log line and no absolute path', async () => {
    const { status, body } = await api<Status>(server, '/api/status');
    assert.equal(status, 200);
    const reasons = Object.fromEntries(body.skipped.map((s) => [s.path, s.reason]));
    assert.match(reasons['empty.jpg'] ?? '', /empty file/);
    assert.match(reasons['text.jpg'] ?? '', /unsupported content/);
    assert.match(reasons['stub.jpg'] ?? '', /no readable image data|unsupported/);
    assert.match(reasons['exif-only.jpg'] ?? '', /no readable image data/);
    assert.match(reasons['escape.jpg'] ?? '', /outside the media folder/);
    assert.match(reasons['escape-folder'] ?? '', /outside the media folder/);
    assert.match(reasons['dangling.jpg'] ?? '', /broken symlink/);
    if (!isRoot) assert.match(reasons['locked.jpg'] ?? '', /cannot be read \(EACCES\)/);
    const text = JSON.stringify(body);
    assert.ok(!text.includes(media.dir) && !text.includes(outside.dir), 'no absolute path in /api/status');
    const logged = server.logs.filter((l) => l.msg === 'skipped a file').map((l) => l.path);
    for (const name of ['empty.jpg', 'text.jpg', 'exif-only.jpg', 'escape.jpg']) assert.ok(logged.includes(name), name);
  });

  it('keeps serving, and never serves the file behind an outside link', async () => {
    const { body } = await api<MediaPage>(server, '/api/media?q=secret');
    assert.deepEqual(body.items, []);
    const escape = await api<MediaPage>(server, '/api/media?q=escape');
    assert.deepEqual(escape.body.items, []);
    assert.equal((await api(server, '/api/status')).status, 200);
  });

  it('handles a bad file that arrives while running', async () => {
    await writeFile(path.join(media.dir, 'late.jpg'), 'not an image either');
    const reason = await waitFor(
      async () => (await api<Status>(server, '/api/status')).body.skipped.find((s) => s.path === 'late.jpg')?.reason,
      { timeoutMs: 2000, what: 'late.jpg to be reported as skipped' },
    );
    assert.match(reason, /unsupported content/);
    const { rm } = await import('node:fs/promises');
    await rm(path.join(media.dir, 'late.jpg'));
  });
});

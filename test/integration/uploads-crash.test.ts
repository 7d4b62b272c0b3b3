import assert from 'node:assert/strict';
import http from 'node:http';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jpegBuffer } from '../helpers/media.js';
import { tempDir, waitFor } from '../helpers/spis.js';
import { spawnSpis, stopSpis, type SpisProcess } from '../helpers/spis-process.js';
import { filesUnder } from '../helpers/uploads.js';

void describe('kill -9 during an upload', () => {
  let media: { dir: string; remove: () => Promise<void> };
  let data: { dir: string; remove: () => Promise<void> };
  let proc: SpisProcess | null = null;
  const args = () => [
    '--media',
    media.dir,
    '--data',
    data.dir,
    '--uploads',
    '--uploads-min-free-bytes',
    '0',
  ];

  before(async () => {
    media = await tempDir('spis-crash-media-');
    data = await tempDir('spis-crash-data-');
  });
  after(async () => {
    if (proc) await stopSpis(proc, 'SIGKILL');
    await media.remove();
    await data.remove();
  });

  it('leaves no visible file, and the next start removes the half-written body', async () => {
    proc = await spawnSpis(args());
    const photo = await jpegBuffer({ taken: '2023:01:01 00:00:00' });
    const incoming = path.join(media.dir, 'Uploads', '.incoming');
    // Half a body, then the process dies mid-stream.
    const req = http.request(`${proc.url}/api/uploads?name=crash.jpg`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', 'content-length': String(photo.length * 4) },
      agent: false,
    });
    req.on('error', () => undefined);
    req.write(photo);
    await waitFor(
      async () =>
        (await readdir(incoming).catch(() => [])).some((f) => f.endsWith('.part'))
          ? true
          : undefined,
      { what: 'the hidden body on disk' },
    );
    proc.child.kill('SIGKILL');
    await proc.exited;
    req.destroy();

    const visible = (await filesUnder(media.dir)).filter(
      (f) => !f.split('/').some((part) => part.startsWith('.')),
    );
    assert.deepEqual(visible, [], 'nothing visible in the media folder');
    assert.ok(
      (await filesUnder(incoming)).length > 0,
      'the half-written body was hidden, not gone (the restart test below is real)',
    );

    proc = await spawnSpis(args());
    assert.deepEqual(await filesUnder(incoming), [], 'leftovers removed at start');
    const status = (await (await fetch(`${proc.url}/api/media`)).json()) as { items: unknown[] };
    assert.deepEqual(status.items, []);
  });
});

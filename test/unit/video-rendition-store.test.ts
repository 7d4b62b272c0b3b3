import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { RenditionStore } from '../../server/video/rendition-store.js';

void describe('rendition store', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const folder = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'spis-renditions-'));
    dirs.push(dir);
    return dir;
  };

  void it('evicts the least recently played first once over its limit, and counts its disk use', async () => {
    const dir = await folder();
    // Three renditions on disk from an earlier run, played long ago, then not so long ago.
    for (const [at, id] of [
      [1000, 'aaaaaaaaaaaaaaaa'],
      [2000, 'bbbbbbbbbbbbbbbb'],
      [3000, 'cccccccccccccccc'],
    ] as const) {
      await writeFile(path.join(dir, `${id}.v1.mp4`), Buffer.alloc(100));
      await utimes(path.join(dir, `${id}.v1.mp4`), at, at);
    }
    await writeFile(path.join(dir, 'dddddddddddddddd.v1.mp4.123.partial'), 'torn');
    const store = new RenditionStore(dir, 250);
    await store.open();
    assert.deepEqual(store.status(), { files: 3, bytes: 300, limitBytes: 250, failures: 0 });
    assert.ok(
      !(await readdir(dir)).some((name) => name.endsWith('.partial')),
      'partial files of a killed run are removed',
    );
    store.touch('aaaaaaaaaaaaaaaa', 'v1'); // played just now: no longer the oldest
    assert.deepEqual(await store.enforceLimit(), ['bbbbbbbbbbbbbbbb']);
    assert.equal(store.has('bbbbbbbbbbbbbbbb', 'v1'), false);
    assert.equal(store.has('aaaaaaaaaaaaaaaa', 'v1'), true);
    assert.deepEqual(store.status(), { files: 2, bytes: 200, limitBytes: 250, failures: 0 });
  });

  void it('keeps a failure per version, across restarts, until the file changes', async () => {
    const dir = await folder();
    const store = new RenditionStore(dir, 1e9);
    await store.open();
    await store.failed('eeeeeeeeeeeeeeee', 'v1', 'the video cannot be read');
    const reopened = new RenditionStore(dir, 1e9);
    await reopened.open();
    assert.equal(reopened.failure('eeeeeeeeeeeeeeee', 'v1'), 'the video cannot be read');
    assert.equal(reopened.failure('eeeeeeeeeeeeeeee', 'v2'), null, 'a new version is tried again');
    await reopened.forget('eeeeeeeeeeeeeeee', 'v2');
    assert.deepEqual(await readdir(dir), []);
  });
});

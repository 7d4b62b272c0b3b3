import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { walkMedia } from '../../server/media/walk.js';

async function collect(root: string) {
  const files: string[] = [];
  const skipped: Array<[string, string]> = [];
  for await (const batch of walkMedia(root, {
    onSkip: (rel, reason) => skipped.push([rel, reason]),
  })) {
    files.push(...batch.map((f) => f.rel));
  }
  return { files: files.sort(), skipped: skipped.sort() };
}

void describe('walk over many folders listed at once', () => {
  void it('finds every file of a deep and wide tree exactly once', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'spis-walk-'));
    try {
      const expected: string[] = [];
      for (let a = 0; a < 6; a++) {
        for (let b = 0; b < 5; b++) {
          const folder = `y${a}/m${b}/d${(a + b) % 3}`;
          await mkdir(path.join(root, folder), { recursive: true });
          for (let f = 0; f < (a + b) % 4; f++) {
            await writeFile(path.join(root, folder, `IMG_${f}.jpg`), 'x');
            expected.push(`${folder}/IMG_${f}.jpg`);
          }
        }
      }
      const { files, skipped } = await collect(root);
      assert.deepEqual(files, expected.sort());
      assert.deepEqual(skipped, []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  void it('lists a folder at its own place, not through a link to it, and ends link loops', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'spis-walk-'));
    try {
      const deep = Array.from({ length: 24 }, (_, i) => `d${i}`);
      await mkdir(path.join(root, ...deep), { recursive: true });
      await mkdir(path.join(root, 'l'), { recursive: true });
      await writeFile(path.join(root, ...deep, 'one.jpg'), 'x');
      await writeFile(path.join(root, 'l', 'two.jpg'), 'x');
      // Found long before the folder it points to, which lies 24 levels down.
      await symlink(path.join(root, ...deep), path.join(root, 'l', 'to-t'));
      await symlink(root, path.join(root, 'l', 'loop'));
      const { files, skipped } = await collect(root);
      assert.deepEqual(files, [`${deep.join('/')}/one.jpg`, 'l/two.jpg']);
      assert.deepEqual(skipped, [
        ['l/loop', 'folder already visited (symlink loop)'],
        ['l/to-t', 'folder already visited (symlink loop)'],
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import { ThumbDiskCache } from '../../server/thumbs/disk-cache.js';
import { startTestServer, tempDir } from '../helpers/spis.js';
import { treeDigest, writeJpeg } from '../helpers/media.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const COUNT = 12;

let media: Awaited<ReturnType<typeof tempDir>>;
let data: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  media = await tempDir('spis-media-');
  data = await tempDir('spis-data-');
  for (let i = 0; i < COUNT; i++) {
    await writeJpeg(path.join(media.dir, `${2010 + i}/IMG_${i}.jpg`), {
      width: 96,
      height: 64,
      taken: `${2010 + i}:05:06 07:08:09`,
      color: `#${(i * 20).toString(16).padStart(2, '0')}8040`,
    });
  }
  await writeFile(path.join(media.dir, 'notes.jpg'), 'not an image at all');
});
after(async () => {
  await media.remove();
  await data.remove();
});

void it('spis index prints progress and leaves every small thumbnail in place', { timeout: 120_000 }, async () => {
  const before = await treeDigest(media.dir);
  const { stdout, stderr } = await exec(
    process.execPath,
    ['--import', 'tsx', 'server/cli/main.ts', 'index', '--media', media.dir, '--data', data.dir, '--timezone', 'UTC'],
    { cwd: root, env: { ...process.env, SPIS_CONFIG: '' } },
  );
  // Not a terminal here: plain progress lines, one per phase at least, with counts.
  assert.match(stderr, /^finding files .*\d/m);
  assert.match(stderr, new RegExp(`^reading metadata .*\\b${COUNT + 1}/${COUNT + 1}\\b`, 'm'));
  assert.match(stderr, new RegExp(`^small thumbnails .*\\[#+\\] +100% +${COUNT}/${COUNT}`, 'm'));
  assert.ok(!stderr.includes('\r') && !stderr.includes('\u001b['), 'no terminal control codes in a pipe');
  assert.match(stdout, new RegExp(`indexed ${COUNT} items \\(1 skipped\\); ${COUNT} small thumbnails ready, 0 failed`));
  assert.deepEqual(await treeDigest(media.dir), before, 'the media folder is untouched');

  // A server over the same data finds the index and every small thumbnail already there.
  const server = await startTestServer({ media: media.dir, data: data.dir, config: { thumbnails: { pregenerate: false } } });
  try {
    const disk = new ThumbDiskCache(path.join(data.dir, 'thumbs'));
    const records = [...server.spis.library.index.all()];
    assert.equal(records.length, COUNT);
    for (const record of records) {
      assert.ok(await disk.has(record.id, record.version, 'small', server.spis.thumbs.service.preferred), `${record.path} has a small thumbnail`);
      assert.ok(record.placeholder, `${record.path} has its placeholder`);
    }
    // Only the unsupported file (never indexed, so not in the snapshot) is looked at again.
    assert.ok(server.spis.library.prober.metadataReads <= 1, 'the saved index was reused');
  } finally {
    await server.close();
  }
});

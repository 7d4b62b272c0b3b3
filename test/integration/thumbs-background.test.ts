import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createLogger } from '../../server/ops/logger.js';
import { BackgroundRenderer } from '../../server/thumbs/background-renderer.js';
import { writeJpeg } from '../helpers/media.js';
import { startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

const log = createLogger({ level: 'silent', format: 'json' });
const ops = { width: 400, height: 400, fit: 'inside', enlarge: false, format: 'webp', quality: 70 } as const;
const limits = { maxInputPixels: 100_000_000, timeoutSeconds: 30 };

/** The nice value of a process, field 19 of /proc/PID/stat (after the parenthesised name). */
async function niceOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

const alive = (pid: number) => readFile(`/proc/${pid}/stat`).then(() => true, () => false);

void describe('background renderer', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  before(async () => (dir = await tempDir('spis-bg-')));
  after(async () => dir?.remove());

  void it('renders in a child process at low CPU priority and exits when idle', async () => {
    const file = await writeJpeg(path.join(dir.dir, 'a.jpg'), { width: 1200, height: 900, color: '#468' });
    const renderer = new BackgroundRenderer({ log, concurrency: 2, idleMs: 300 });
    try {
      const rendering = renderer.render({ input: file, autoOrient: true }, ops, limits, true);
      const pid = renderer.pid;
      assert.ok(pid !== null && pid !== process.pid, 'a child process renders');
      assert.ok((await niceOf(pid)) >= 10, 'niced to 10 (or more, if this process already was)');
      const rendered = await rendering;
      const meta = await sharp(rendered.data).metadata();
      assert.equal(meta.format, 'webp');
      assert.equal(Math.max(rendered.width, rendered.height), 400);
      assert.ok(rendered.placeholder && rendered.placeholder.length > 10, 'the placeholder comes along');
      await waitFor(async () => !(await alive(pid)) || undefined, { timeoutMs: 10_000, what: 'the idle renderer to exit' });
      assert.equal(renderer.pid, null);
      // The next job starts a fresh process.
      await renderer.render({ input: file, autoOrient: true }, ops, limits, false);
      assert.equal(renderer.starts, 2);
    } finally {
      await renderer.close();
    }
  });

  void it('reports a file that cannot be decoded as an error', async () => {
    const file = path.join(dir.dir, 'broken.jpg');
    await writeFile(file, Buffer.from('not a jpeg at all'));
    const renderer = new BackgroundRenderer({ log, concurrency: 1 });
    try {
      await assert.rejects(renderer.render({ input: file, autoOrient: true }, ops, limits, false), /unsupported image format|Input file/i);
    } finally {
      await renderer.close();
    }
  });
});

void describe('pre-generation renders in the background process', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  before(async () => {
    media = await tempDir('spis-bg-media-');
    for (let i = 0; i < 6; i++) await writeJpeg(path.join(media.dir, `IMG_${i}.jpg`), { width: 800, height: 600, color: `#${i}8${i}` });
    server = await startTestServer({ media: media.dir });
  });
  after(async () => {
    await server?.close();
    await media?.remove();
  });

  void it('renders every small thumbnail and its placeholder through the background process', async () => {
    const { queue, background, limiter } = server.spis.thumbs;
    await queue.idle();
    assert.equal(queue.status().failed, 0);
    assert.ok(queue.status().done >= 6, JSON.stringify(queue.status()));
    assert.ok(background.starts >= 1, 'the background process was used');
    assert.equal(limiter.running, 0);
    for (const record of server.spis.library.index.all()) assert.ok(record.placeholder, `${record.path} has its placeholder`);
  });
});

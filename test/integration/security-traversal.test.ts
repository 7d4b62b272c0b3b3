import assert from 'node:assert/strict';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { writeJpeg } from '../helpers/media.js';
import { startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

const SENTINEL = 'OUTSIDE-SENTINEL-7f3a';
const DATA_SENTINEL = 'DATA-SENTINEL-91c2';

/** A request written byte for byte, so no client normalizes `..`, `%2e` or backslashes away. */
function rawGet(port: number, target: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(all.subarray(0, 20).toString('latin1'))?.[1] ?? 0);
      resolve({ status, body: all });
    });
    socket.write(Buffer.concat([Buffer.from('GET ', 'latin1'), Buffer.from(target, 'latin1'), Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 'latin1')]));
  });
}

void describe('path safety', () => {
  let server: TestServer;
  let parent: { dir: string; remove: () => Promise<void> };
  let outsideJpeg: Buffer;
  let id = '';

  before(async () => {
    parent = await tempDir('spis-traversal-');
    const media = path.join(parent.dir, 'media');
    const data = path.join(parent.dir, 'data');
    await mkdir(media);
    await mkdir(data);
    await writeFile(path.join(parent.dir, 'secret.txt'), SENTINEL);
    await writeFile(path.join(data, 'data-sentinel.txt'), DATA_SENTINEL);
    await writeJpeg(path.join(parent.dir, 'outside.jpg'), { make: SENTINEL });
    outsideJpeg = await readFile(path.join(parent.dir, 'outside.jpg'));
    await writeJpeg(path.join(media, 'a.jpg'));
    await writeJpeg(path.join(media, 'sub', 'b.jpg'));
    await symlink('../outside.jpg', path.join(media, 'link.jpg'));
    await symlink('..', path.join(media, 'escape'));
    await symlink('/etc/passwd', path.join(media, 'passwd.jpg'));
    server = await startTestServer({ media, data });
    await waitFor(() => (server.spis.library.index.size === 2 ? true : undefined), { what: 'the two real items' });
    id = server.spis.library.index.getByPath('a.jpg')!.id;
  });
  after(async () => {
    await server.close();
    await parent.remove();
  });

  const corpus = [
    '/../secret.txt', '/../../secret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/%252e%252e/secret.txt',
    '/..%5csecret.txt', '/..\\secret.txt', '/.%2e/.%2e/secret.txt', '/%c0%ae%c0%ae/secret.txt', '/%c0%ae%c0%ae%c0%afsecret.txt',
    '/..%c0%afsecret.txt', '/%e0%80%ae%e0%80%ae/secret.txt', '/a.jpg%00/../../secret.txt', '/secret.txt%00.jpg',
    '//etc/passwd', '/etc/passwd', '/%2fetc%2fpasswd', '/escape/secret.txt', '/escape/data/data-sentinel.txt',
    '/api/media/..%2f..%2fsecret.txt/original', '/api/media/../../secret.txt', '/api/media/%2e%2e/original',
    '/api/media/..%5c..%5csecret.txt/original', '/api/media/%00/original', '/api/media//etc/passwd/original',
    '/api/media/%2fetc%2fpasswd/original', '/api/media/link.jpg/original', '/api/media/escape%2fsecret.txt/original',
    '/api/media/passwd.jpg/original', `/api/media/${id}/thumb/..%2f..%2f..%2fsecret.txt`, `/api/media/${id}/thumb/../../../secret.txt`,
    `/api/media/${id}/..%2f..%2fsecret.txt`, `/api/media/${id}/image?format=../../secret.txt`, `/api/media/${id}/original/../../../secret.txt`,
    `/api/media/${id}%00/original`, '/api/media?folder=../..', '/api/media?folder=..%2f..%2f', '/api/media?folder=%00',
    '/api/media?q=../secret', '/api/folders?folder=/etc', '/api/timeline?folder=..\\..', '/data/data-sentinel.txt',
    '/api/../data/data-sentinel.txt', '/index.html/../../secret.txt', '/assets/..%2f..%2f..%2fsecret.txt',
  ];

  void it('never serves anything from outside the media folder, whatever the path', async () => {
    for (const target of corpus) {
      const { status, body } = await rawGet(server.port, target);
      assert.ok(status >= 200 && status < 500, `${target}: status ${status}`);
      const text = body.toString('latin1');
      for (const forbidden of [SENTINEL, DATA_SENTINEL, 'root:x:0:0', parent.dir]) assert.ok(!text.includes(forbidden), `${target} leaked ${forbidden}`);
      assert.ok(!body.includes(outsideJpeg.subarray(0, 200)), `${target} served the outside file`);
    }
  });

  void it('does not index symlinks that leave the media folder', () => {
    const paths = [...server.spis.library.index.all()].map((record) => record.path).sort();
    assert.deepEqual(paths, ['a.jpg', 'sub/b.jpg']);
  });

  void it('refuses a file swapped for an outside symlink after indexing', async () => {
    const b = server.spis.library.index.getByPath('sub/b.jpg')!;
    await rm(path.join(server.media, 'sub', 'b.jpg'));
    await symlink('../../outside.jpg', path.join(server.media, 'sub', 'b.jpg'));
    const { body } = await rawGet(server.port, `/api/media/${b.id}/original`);
    assert.ok(!body.includes(outsideJpeg.subarray(0, 200)), 'the outside file was served');
    assert.ok(!body.toString('latin1').includes(SENTINEL));
  });

  void it('answers no 5xx to fuzzed /api/media query parameters', async () => {
    const key = fc.constantFrom('limit', 'cursor', 'order', 'year', 'month', 'favorite', 'archived', 'type', 'folder', 'q', 'x', '__proto__', 'constructor', 'limit[]', '');
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.integer().map(String),
      fc.constantFrom('true', 'false', 'asc', 'desc', 'image', 'video', '..', '../..', '%00', '%', '%zz', '%c0%ae', '2023', '13', '0', '-1', '1e3', '9'.repeat(30), 'eyJ0IjoxfQ'),
    );
    const pair = fc.tuple(key, value, fc.boolean()).map(([k, v, raw]) => `${encodeURIComponent(k)}=${raw ? v.replace(/[\s#&]/g, '') : encodeURIComponent(v)}`);
    await fc.assert(
      fc.asyncProperty(fc.array(pair, { maxLength: 6 }), async (pairs) => {
        const target = `/api/media?${pairs.join('&')}`;
        const { status } = await rawGet(server.port, Buffer.from(target, 'utf8').toString('latin1'));
        assert.ok(status > 0 && status < 500, `${target} → ${status}`);
      }),
      { numRuns: 300 },
    );
  });
});

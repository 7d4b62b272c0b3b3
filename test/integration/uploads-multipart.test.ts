import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jpegBuffer } from '../helpers/media.js';
import { api, startTestServer, type TestServer } from '../helpers/spis.js';
import { filesUnder } from '../helpers/uploads.js';
import type { UploadFileOutcome, UploadResult } from '../../server/shared/api-types.js';

interface Answer {
  files?: UploadFileOutcome[];
  error?: { code: string; message: string };
}

void describe('POST /api/uploads (multipart) and ?outputs=', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      config: { uploads: { enabled: true, minFreeBytes: 0, maxBytes: 200_000 } },
    });
  });
  after(async () => server?.close());

  const form = (...files: Array<[string, Buffer, string]>) => {
    const body = new FormData();
    body.append('note', 'fields are ignored');
    for (const [name, data, type] of files) body.append('file', new Blob([data], { type }), name);
    return body;
  };

  it('stores several files of one form, answering one outcome per file in order', async () => {
    const photos = await Promise.all(
      ['#110000', '#001100', '#000011'].map((color, i) =>
        jpegBuffer({ color, taken: `2022:0${i + 1}:15 12:00:00` }),
      ),
    );
    const answer = await api<Answer>(server, '/api/uploads', {
      method: 'POST',
      body: form(
        ['one.jpg', photos[0]!, 'image/jpeg'],
        ['two.jpg', photos[1]!, 'image/jpeg'],
        ['three.jpg', photos[2]!, ''],
      ),
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const paths = answer.body.files!.map((file) =>
      'item' in file ? file.item.path : file.error.code,
    );
    assert.deepEqual(paths, [
      'Uploads/local/2022/01/one.jpg',
      'Uploads/local/2022/02/two.jpg',
      'Uploads/local/2022/03/three.jpg',
    ]);
    assert.equal(server.spis.library.index.size, 3);
  });

  it('reports a bad file by name and still stores the good ones', async () => {
    const good = await jpegBuffer({ color: '#777700', taken: '2022:05:01 00:00:00' });
    const answer = await api<Answer>(server, '/api/uploads', {
      method: 'POST',
      body: form(
        ['fake.jpg', Buffer.from('not an image at all'), 'image/jpeg'],
        ['good.jpg', good, 'image/jpeg'],
        ['huge.jpg', Buffer.concat([good, Buffer.alloc(300_000)]), 'image/jpeg'],
      ),
    });
    assert.equal(answer.status, 415);
    const files = answer.body.files!;
    assert.deepEqual(
      files.map((f) => [f.name, 'error' in f ? f.error.code : 'ok']),
      [
        ['fake.jpg', 'unsupported_media_type'],
        ['good.jpg', 'ok'],
        ['huge.jpg', 'payload_too_large'],
      ],
    );
    const left = await filesUnder(path.join(server.media, 'Uploads'));
    assert.ok(left.includes('local/2022/05/good.jpg'));
    assert.ok(
      !left.some((f) => f.includes('fake') || f.includes('huge') || f.startsWith('.incoming/')),
      left.join(),
    );
  });

  it('pre-renders ?outputs= named outputs into the cache before answering', async () => {
    const photo = await jpegBuffer({ width: 640, height: 480, color: '#224466' });
    const answer = await api<UploadResult>(
      server,
      '/api/uploads?name=wide.jpg&outputs=w300.jpg,x200.webp',
      {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: photo,
      },
    );
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const { outputs, item } = answer.body;
    assert.deepEqual(Object.keys(outputs ?? {}).sort(), ['w300.jpg', 'x200.webp']);
    const renders = server.spis.thumbs.transforms.renders;
    const small = await fetch(server.url + outputs!['w300.jpg']!);
    assert.equal(small.status, 200);
    assert.equal(small.headers.get('content-type'), 'image/jpeg');
    assert.equal(
      (await fetch(server.url + outputs!['x200.webp']!)).headers.get('content-type'),
      'image/webp',
    );
    assert.equal(
      server.spis.thumbs.transforms.renders,
      renders,
      'served from the cache filled by the upload',
    );
    assert.match(outputs!['w300.jpg']!, new RegExp(`^/api/media/${item.id}/w300\\.jpg\\?v=`));
    const bad = await api<{ error: { code: string } }>(
      server,
      '/api/uploads?name=x.jpg&outputs=w300.gif',
      { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: photo },
    );
    assert.equal(bad.status, 400);
  });
});

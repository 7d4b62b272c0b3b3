import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { addUser, as, login, type Session } from '../helpers/auth.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';
import { filesUnder } from '../helpers/uploads.js';
import type { UploadResult } from '../../server/shared/api-types.js';

const TUS = { 'tus-resumable': '1.0.0' };
const meta = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');

/** Sends `body` as a PATCH but drops the connection after `cutAfter` bytes, like a phone losing signal. */
function interruptedPatch(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  cutAfter: number,
): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'PATCH',
      headers: { ...headers, 'content-length': String(body.length) },
      agent: false,
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(body.subarray(0, cutAfter), () => setTimeout(() => req.destroy(), 200));
  });
}

void describe('resumable uploads (tus) under /api/uploads/tus', () => {
  let server: TestServer;
  let alice: Session;
  let bob: Session;

  before(async () => {
    server = await startTestServer({ config: { uploads: { enabled: true, minFreeBytes: 0 } } });
    await addUser(server, 'alice', 'member');
    await addUser(server, 'bob', 'member');
    alice = await login(server, 'alice');
    bob = await login(server, 'bob');
  });
  after(async () => server?.close());

  it('resumes an interrupted upload from the offset the server kept, then answers with the indexed item', async () => {
    const photo = await sharp({
      create: {
        width: 300,
        height: 300,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 50 },
      },
    })
      .jpeg({ quality: 95 })
      .withExif({ IFD2: { DateTimeOriginal: '2024:12:24 18:00:00' } })
      .toBuffer();
    const created = await fetch(`${server.url}/api/uploads/tus`, {
      method: 'POST',
      headers: as(alice, {
        ...TUS,
        'upload-length': String(photo.length),
        'upload-metadata': meta({
          filename: 'Christmas.jpg',
          filetype: 'image/jpeg',
          spisBy: 'user:admin',
        }),
      }),
    });
    assert.equal(created.status, 201, await created.text());
    const location = new URL(created.headers.get('location')!, server.url).toString();
    assert.match(location, /\/api\/uploads\/tus\/[^/]+$/);

    const patchHeaders = (offset: number) =>
      as(alice, {
        ...TUS,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
      });
    await interruptedPatch(location, patchHeaders(0), photo, Math.floor(photo.length / 2));
    const offset = await waitFor(
      async () => {
        const head = await fetch(location, { method: 'HEAD', headers: as(alice, TUS) });
        const value = Number(head.headers.get('upload-offset'));
        return head.status === 200 && value > 0 ? value : undefined;
      },
      { what: 'the kept offset' },
    );
    assert.ok(offset <= Math.floor(photo.length / 2), `kept ${offset}`);
    assert.equal(
      (await filesUnder(path.join(server.media, 'Uploads'))).filter(
        (f) => !f.startsWith('.incoming/'),
      ).length,
      0,
      'nothing visible yet',
    );

    const stranger = await fetch(location, {
      method: 'PATCH',
      headers: as(bob, {
        ...TUS,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
      }),
      body: photo.subarray(offset),
    });
    assert.equal(stranger.status, 403, 'only its creator may continue an upload');

    const resumed = await fetch(location, {
      method: 'PATCH',
      headers: patchHeaders(offset),
      body: photo.subarray(offset),
    });
    assert.equal(resumed.status, 200);
    const result = (await resumed.json()) as UploadResult;
    assert.equal(result.item.path, 'Uploads/alice/2024/12/Christmas.jpg');
    assert.equal(result.duplicate, false);
    const stored = await filesUnder(path.join(server.media, 'Uploads'));
    assert.deepEqual(
      stored.filter((f) => !f.startsWith('.incoming/tus/')),
      ['alice/2024/12/Christmas.jpg'],
    );
    assert.ok(
      !stored.some((f) => f.startsWith('.incoming/tus/') && !f.endsWith('.json')) ||
        stored.length >= 1,
    );
  });

  it('refuses content that is not media once complete (415) and leaves nothing behind', async () => {
    const text = Buffer.from('this is not a photo at all, just text pretending');
    const created = await fetch(`${server.url}/api/uploads/tus`, {
      method: 'POST',
      headers: as(alice, {
        ...TUS,
        'upload-length': String(text.length),
        'upload-metadata': meta({ filename: 'fake.jpg' }),
      }),
    });
    const location = new URL(created.headers.get('location')!, server.url).toString();
    const done = await fetch(location, {
      method: 'PATCH',
      headers: as(alice, {
        ...TUS,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
      }),
      body: text,
    });
    assert.equal(done.status, 415);
    const left = await filesUnder(path.join(server.media, 'Uploads'));
    assert.ok(!left.some((f) => f.includes('fake')), left.join());
    assert.deepEqual(
      left.filter((f) => f.startsWith('.incoming/tus/')),
      [],
    );
  });

  it('is for members: a viewer gets 403', async () => {
    await addUser(server, 'vera', 'viewer');
    const vera = await login(server, 'vera');
    const created = await api(server, '/api/uploads/tus', {
      method: 'POST',
      headers: as(vera, { ...TUS, 'upload-length': '10' }),
    });
    assert.equal(created.status, 403);
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { addUser, as, login, type Session } from '../helpers/auth.js';
import { jpegBuffer, treeDigest, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';
import { filesUnder, rawRequest } from '../helpers/uploads.js';
import { startReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { connectEvents, type EventClient } from '../helpers/ws-client.js';
import type { ServerMessage, UploadResult } from '../../server/shared/api-types.js';

const SECRET = 'upload-webhook-secret-0123456789';

void describe('POST /api/uploads (raw body)', () => {
  let server: TestServer;
  let hooks: WebhookReceiver;
  let events: EventClient;
  let alice: Session;
  let viewer: Session;
  let memberToken: string;
  let viewerToken: string;
  let digestBefore: Map<string, string>;
  const uploadsDir = () => path.join(server.media, 'Uploads');

  const post = (
    body: Buffer | string,
    query = '',
    headers: Record<string, string> = {},
    session: Session | null = alice,
  ) =>
    api<UploadResult & { error?: { code: string; message: string } }>(
      server,
      `/api/uploads${query}`,
      {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg', ...(session ? as(session) : {}), ...headers },
        body,
      },
    );

  before(async () => {
    hooks = await startReceiver(SECRET);
    server = await startTestServer({
      config: {
        uploads: { enabled: true, minFreeBytes: 0, maxBytes: 2_000_000, idleTimeoutSeconds: 1 },
        webhooks: [{ url: hooks.url, secret: SECRET, events: ['media.added'] }],
        webhookRetry: { initialDelayMs: 50 },
      },
    });
    await writeJpeg(path.join(server.media, 'old', 'existing.jpg'), {
      taken: '2020:01:01 10:00:00',
      color: '#123456',
    });
    await waitFor(() => (server.spis.library.index.size === 1 ? true : undefined), {
      what: 'the existing item',
    });
    await addUser(server, 'alice', 'member');
    await addUser(server, 'vera', 'viewer');
    alice = await login(server, 'alice');
    viewer = await login(server, 'vera');
    memberToken = await server.spis.auth.tokens.create('camera', 'member');
    viewerToken = await server.spis.auth.tokens.create('peek', 'viewer');
    events = await connectEvents(server.url, {
      headers: { authorization: `Bearer ${memberToken}` },
    });
    digestBefore = await treeDigest(server.media);
  });

  after(async () => {
    events?.ws.close();
    await server?.close();
    await hooks?.close();
  });

  it('stores a photo under Uploads/<user>/<YYYY>/<MM>/ by its capture date and answers 201 with the indexed item', async () => {
    const photo = await jpegBuffer({ taken: '2021:03:04 05:06:07', color: '#aa0000' });
    const answer = await post(photo, '?name=Beach%20Day.jpg');
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.duplicate, false);
    assert.equal(answer.body.item.path, 'Uploads/alice/2021/03/Beach Day.jpg');
    assert.equal(answer.body.item.takenAt, '2021-03-04T05:06:07+00:00');
    assert.ok(server.spis.library.index.getById(answer.body.item.id), 'indexed before the answer');
    assert.deepEqual(await readFile(path.join(server.media, answer.body.item.path)), photo);
    const added = (await events.next(
      (m) => m.type === 'media.added' && m.item.id === answer.body.item.id,
    )) as Extract<ServerMessage, { type: 'media.added' }>;
    assert.equal(added.uploadedBy, 'user:alice');
    const hook = await waitFor(
      () =>
        hooks.received.find((h) => (h.json.data.item as { id: string }).id === answer.body.item.id),
      { what: 'the webhook' },
    );
    assert.equal(hook.json.data.uploadedBy, 'user:alice');
    // Exactly one media.added, also after the watcher has seen the new file.
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(
      events.messages.filter((m) => m.type === 'media.added' && m.item.id === answer.body.item.id)
        .length,
      1,
    );
    assert.equal(
      events.messages.filter((m) => m.type === 'media.updated' && m.item.id === answer.body.item.id)
        .length,
      0,
    );
  });

  it('takes the name from Content-Disposition and suffixes a name already taken instead of overwriting', async () => {
    const first = await jpegBuffer({ taken: '2021:03:10 10:00:00', color: '#00aa00' });
    const second = await jpegBuffer({ taken: '2021:03:11 10:00:00', color: '#0000aa' });
    const a = await post(first, '', { 'content-disposition': 'attachment; filename="same.jpg"' });
    const b = await post(second, '', {
      'content-disposition': "attachment; filename*=UTF-8''same.jpg",
    });
    assert.equal(a.body.item.path, 'Uploads/alice/2021/03/same.jpg');
    assert.equal(b.body.item.path, 'Uploads/alice/2021/03/same-1.jpg');
    assert.deepEqual(await readFile(path.join(server.media, a.body.item.path)), first);
    assert.deepEqual(await readFile(path.join(server.media, b.body.item.path)), second);
  });

  it('returns the existing item with duplicate: true and writes nothing for bytes already in the library', async () => {
    const existing = await readFile(path.join(server.media, 'old', 'existing.jpg'));
    const filesBefore = await filesUnder(uploadsDir());
    const answer = await post(existing, '?name=copy.jpg');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.duplicate, true);
    assert.equal(answer.body.item.path, 'old/existing.jpg');
    assert.deepEqual(await filesUnder(uploadsDir()), filesBefore);
  });

  it('keeps one copy when the same new file is uploaded twice at once', async () => {
    const photo = await jpegBuffer({ taken: '2022:08:08 08:08:08', color: '#abcdef' });
    const [a, b] = await Promise.all([
      post(photo, '?name=twin.jpg'),
      post(photo, '?name=twin-again.jpg'),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 201]);
    assert.equal(a.body.item.id, b.body.item.id);
    assert.deepEqual([a.body.duplicate, b.body.duplicate].sort(), [false, true]);
    const twins = (await filesUnder(uploadsDir())).filter((f) => f.startsWith('alice/2022/08/'));
    // Whichever finished streaming first wins; the other is its duplicate.
    assert.equal(twins.length, 1, twins.join());
    assert.match(twins[0]!, /^alice\/2022\/08\/twin(-again)?\.jpg$/);
  });

  it('sanitises hostile names: ../, NUL, 2,000 characters, only dots', async () => {
    const cases: Array<[string, (p: string) => boolean]> = [
      ['../../../etc/passwd.jpg', (p) => p === 'Uploads/alice/2019/01/passwd.jpg'],
      ['a\u0000b.jpg', (p) => p === 'Uploads/alice/2019/01/a_b.jpg'],
      [
        'x'.repeat(2000) + '.jpg',
        (p) =>
          p.startsWith('Uploads/alice/2019/01/xxx') &&
          Buffer.byteLength(path.basename(p)) <= 180 &&
          p.endsWith('.jpg'),
      ],
      ['....', (p) => /^Uploads\/alice\/2019\/01\/upload-[0-9a-f]{12}\.jpg$/.test(p)],
    ];
    let n = 0;
    for (const [name, check] of cases) {
      const photo = await jpegBuffer({ taken: '2019:01:02 03:04:05', color: `#0${n++}0${n}0${n}` });
      const answer = await post(photo, `?name=${encodeURIComponent(name)}`);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.ok(
        check(answer.body.item.path),
        `${JSON.stringify(name.slice(0, 20))} → ${answer.body.item.path}`,
      );
    }
  });

  it('refuses wrong content: a text file named .jpg, PNG declared as JPEG, a PNG named .jpg, an unsupported type (415)', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff00ff' } })
      .png()
      .toBuffer();
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
    const answers = [
      await post('just some text, honest', '?name=note.jpg'),
      await post(png, '?name=pic', { 'content-type': 'image/jpeg' }),
      await post(png, '?name=pic.jpg', { 'content-type': 'application/octet-stream' }),
      await post(pdf, '?name=doc.pdf', { 'content-type': 'application/pdf' }),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 415, JSON.stringify(answer.body));
      assert.equal(answer.body.error?.code, 'unsupported_media_type');
      assert.doesNotMatch(answer.body.error?.message ?? '', /\/tmp|spis-media/);
    }
    assert.equal((await filesUnder(path.join(uploadsDir(), '.incoming'))).length, 0);
  });

  it('answers 413 for a too-large body, up front by Content-Length and while streaming, writing nothing', async () => {
    const filesBefore = await filesUnder(uploadsDir());
    const declared = await rawRequest(
      `${server.url}/api/uploads?name=big.jpg`,
      { ...as(alice), 'content-type': 'image/jpeg', 'content-length': '3000000' },
      (req) => req.write(Buffer.alloc(1000)),
    );
    assert.equal(declared.status, 413);
    const photo = await jpegBuffer({ taken: '2019:05:05 05:05:05', color: '#ff8800' });
    const streamed = await rawRequest(
      `${server.url}/api/uploads?name=big.jpg`,
      { ...as(alice), 'content-type': 'image/jpeg' },
      (req) => {
        req.write(photo);
        const chunk = Buffer.alloc(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 3_000_000 && !req.destroyed) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (!req.destroyed) req.end();
        };
        pump();
      },
    );
    assert.equal(streamed.status, 413, JSON.stringify(streamed.body));
    assert.equal((streamed.body.error as { code: string }).code, 'payload_too_large');
    await waitFor(
      async () =>
        (await filesUnder(uploadsDir())).join() === filesBefore.join() ? true : undefined,
      { what: 'no file left behind' },
    );
  });

  it('leaves nothing when the client stops mid-body, and cuts off a stalled (slowloris) upload with 408', async () => {
    const filesBefore = await filesUnder(uploadsDir());
    const photo = await jpegBuffer({ taken: '2019:06:06 06:06:06', color: '#112233' });
    await new Promise<void>((resolve) => {
      void rawRequest(
        `${server.url}/api/uploads?name=cut.jpg`,
        { ...as(alice), 'content-type': 'image/jpeg', 'content-length': String(photo.length * 10) },
        (req) => {
          req.write(photo, () => setTimeout(() => (req.destroy(), resolve()), 100));
        },
      ).catch(() => undefined);
    });
    const stalled = await rawRequest(
      `${server.url}/api/uploads?name=slow.jpg`,
      { ...as(alice), 'content-type': 'image/jpeg', 'content-length': String(photo.length * 2) },
      (req) => req.write(photo),
    );
    assert.equal(stalled.status, 408, JSON.stringify(stalled.body));
    await waitFor(
      async () =>
        (await filesUnder(uploadsDir())).join() === filesBefore.join() ? true : undefined,
      { what: 'no file left behind' },
    );
    assert.ok(!server.spis.library.index.all().some((r) => /cut|slow/.test(r.path)));
  });

  it('lets members and member tokens upload; viewers and viewer tokens get 403, strangers 401', async () => {
    const photo = await jpegBuffer({ taken: '2018:02:02 02:02:02', color: '#445566' });
    assert.equal((await post(photo, '?name=v.jpg', {}, viewer)).status, 403);
    assert.equal(
      (await post(photo, '?name=v.jpg', { authorization: `Bearer ${viewerToken}` }, null)).status,
      403,
    );
    assert.equal((await post(photo, '?name=v.jpg', {}, null)).status, 401);
    assert.equal((await post(photo, '?name=v.jpg', { 'x-spis-csrf': 'wrong' })).status, 403);
    const byToken = await post(
      photo,
      '?name=cam.jpg',
      { authorization: `Bearer ${memberToken}` },
      null,
    );
    assert.equal(byToken.status, 201);
    assert.equal(byToken.body.item.path, 'Uploads/camera/2018/02/cam.jpg');
  });

  it('never changes anything outside the uploads folder', async () => {
    const now = await treeDigest(server.media);
    for (const [file, digest] of digestBefore) assert.equal(now.get(file), digest, file);
    for (const file of now.keys())
      assert.ok(
        digestBefore.has(file) || file.startsWith(`Uploads${path.sep}`),
        `unexpected ${file}`,
      );
  });
});

void describe('uploads switched off, or the disk nearly full', () => {
  const upload = async (server: TestServer) =>
    api<{ error: { code: string } }>(server, '/api/uploads?name=a.jpg', {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: await jpegBuffer(),
    });

  it('answers 404 and creates no uploads folder when uploads are off', async () => {
    const server = await startTestServer();
    try {
      const answer = await upload(server);
      assert.equal(answer.status, 404);
      assert.deepEqual(await filesUnder(server.media), []);
    } finally {
      await server.close();
    }
  });

  it('answers 507 before writing when free space is below uploads.minFreeBytes', async () => {
    const server = await startTestServer({
      config: { uploads: { enabled: true, minFreeBytes: Number.MAX_SAFE_INTEGER } },
    });
    try {
      const answer = await upload(server);
      assert.equal(answer.status, 507);
      assert.equal(answer.body.error.code, 'insufficient_storage');
      assert.deepEqual(await filesUnder(server.media), []);
    } finally {
      await server.close();
    }
  });
});

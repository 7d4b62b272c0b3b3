import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { addUser, as, cookieOf, login, type Session } from '../helpers/auth.js';
import { jpegBuffer, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';
import type { UploadResult } from '../../server/shared/api-types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

interface Answer extends Partial<UploadResult> {
  error?: { code: string; message: string };
}

void describe('signed upload URLs and drop links', () => {
  let server: TestServer;
  let now = Date.now();
  let alice: Session;
  let sharedId = '';

  const upload = (route: string, body: Buffer, headers: Record<string, string> = {}) =>
    api<Answer>(server, route, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', ...headers },
      body,
    });

  async function dropLink(
    body: Record<string, unknown>,
  ): Promise<{ cookie: string; csrf: string; token: string }> {
    const created = await api<{ token: string }>(server, '/api/shares', {
      method: 'POST',
      headers: as(alice, { 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const opened = await fetch(`${server.url}/api/shares/${created.body.token}/session`, {
      method: 'POST',
    });
    assert.equal(opened.status, 200);
    const { csrfToken } = (await opened.json()) as { csrfToken: string };
    return { cookie: cookieOf(opened, 'spis_share'), csrf: csrfToken, token: created.body.token };
  }

  before(async () => {
    server = await startTestServer({
      config: { uploads: { enabled: true, minFreeBytes: 0 } },
      deps: { auth: { now: () => now } },
    });
    await writeJpeg(path.join(server.media, 'family', 'shared.jpg'), {
      taken: '2020:05:05 10:00:00',
    });
    await writeJpeg(path.join(server.media, 'family', 'private.jpg'), {
      taken: '2020:05:06 10:00:00',
      color: '#ff0000',
    });
    await waitFor(() => (server.spis.library.index.size === 2 ? true : undefined), {
      what: 'two items',
    });
    sharedId = server.spis.library.index.getByPath('family/shared.jpg')!.id;
    await addUser(server, 'alice', 'member');
    alice = await login(server, 'alice');
  });

  after(async () => server?.close());

  it('`spis sign-url --upload --folder NAME` prints a path that accepts uploads without a session, into that folder', async () => {
    const cli = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/cli/main.ts',
        'sign-url',
        '--upload',
        '--folder',
        'Camera',
        '--ttl',
        '1h',
        '--data',
        server.data,
        '--media',
        server.media,
      ],
      {
        cwd: root,
        env: { ...process.env, SPIS_CONFIG: '' },
      },
    );
    const signed = cli.stdout.trim();
    assert.match(signed, /^\/api\/uploads\?expires=\d+&folder=Camera&sig=[A-Za-z0-9_-]{43}$/);
    const photo = await jpegBuffer({ taken: '2024:02:03 04:05:06', color: '#00ff00' });
    const answer = await upload(`${signed}&name=DSC_0001.jpg`, photo);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.item?.path, 'Uploads/Camera/2024/02/DSC_0001.jpg');

    const tampered = signed.replace('folder=Camera', 'folder=Other');
    assert.equal((await upload(tampered, photo)).status, 403);
    assert.equal(
      (await upload('/api/uploads?folder=Camera', photo)).status,
      401,
      'no signature, no session',
    );
    now += 2 * 3_600_000;
    try {
      const expired = await upload(signed, await jpegBuffer({ color: '#0f0f0f' }));
      assert.equal(expired.status, 403);
      assert.match(expired.body.error?.message ?? '', /expired/);
    } finally {
      now -= 2 * 3_600_000;
    }
  });

  it('lets guests of a drop link upload into its folder and see the shared items plus their uploads only', async () => {
    const guest = await dropLink({
      items: [sharedId],
      upload: true,
      folder: 'Wedding',
      quotaBytes: 200_000,
    });
    const photo = await jpegBuffer({ taken: '2025:06:07 18:00:00', color: '#ffeeaa' });
    const answer = await upload('/api/uploads?name=dance.jpg', photo, {
      cookie: guest.cookie,
      'x-spis-csrf': guest.csrf,
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.item?.path, 'Uploads/Wedding/2025/06/dance.jpg');
    const page = await api<{ items: Array<{ path: string }> }>(server, '/api/media', {
      headers: { cookie: guest.cookie },
    });
    assert.deepEqual(page.body.items.map((i) => i.path).sort(), [
      'Uploads/Wedding/2025/06/dance.jpg',
      'family/shared.jpg',
    ]);
    const item = await api(server, `/api/media/${answer.body.item!.id}`, {
      headers: { cookie: guest.cookie },
    });
    assert.equal(item.status, 200);
  });

  it('enforces the per-link quota (413) and refuses share links without upload (403) and expired ones (401)', async () => {
    const small = await dropLink({ upload: true, folder: 'Tiny', quotaBytes: 1500 });
    const photo = await sharp({
      create: {
        width: 200,
        height: 200,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();
    assert.ok(photo.length > 1500);
    const over = await upload('/api/uploads?name=big.jpg', photo, {
      cookie: small.cookie,
      'x-spis-csrf': small.csrf,
    });
    assert.equal(over.status, 413, JSON.stringify(over.body));
    assert.match(over.body.error?.message ?? '', /quota/);

    const viewOnly = await dropLink({ items: [sharedId] });
    const refused = await upload('/api/uploads?name=x.jpg', photo, {
      cookie: viewOnly.cookie,
      'x-spis-csrf': viewOnly.csrf,
    });
    assert.equal(refused.status, 403);

    const expiring = await dropLink({
      upload: true,
      folder: 'Later',
      expiresAt: new Date(now + 60_000).toISOString(),
    });
    now += 120_000;
    try {
      const late = await upload('/api/uploads?name=x.jpg', photo, {
        cookie: expiring.cookie,
        'x-spis-csrf': expiring.csrf,
      });
      assert.equal(late.status, 401);
    } finally {
      now -= 120_000;
    }
  });
});

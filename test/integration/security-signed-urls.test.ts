import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signPath } from '../../server/auth/signed-url.js';
import { addUser, login } from '../helpers/auth.js';
import { writeJpeg } from '../helpers/media.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/spis.js';

const OLD = 'old-secret-'.padEnd(40, 'o');
const NEW = 'new-secret-'.padEnd(40, 'n');

void describe('signed URLs with users', () => {
  let server: TestServer;
  let rotated: TestServer;
  let now = Date.now();
  let a = '';
  let b = '';
  const get = (target: TestServer, route: string, headers: Record<string, string> = {}) => fetch(target.url + route, { headers });

  before(async () => {
    server = await startTestServer({ config: { auth: { signingSecrets: [OLD] } }, deps: { auth: { now: () => now } } });
    await writeJpeg(path.join(server.media, 'a.jpg'), { width: 64, height: 48 });
    await writeJpeg(path.join(server.media, 'b.jpg'), { width: 64, height: 48, color: '#ff0000' });
    await waitFor(() => (server.spis.library.index.size === 2 ? true : undefined), { what: 'two items' });
    [a, b] = server.spis.library.index.all().map((record) => record.id) as [string, string];
    await addUser(server, 'ann', 'viewer');
    // Same folders, secrets rotated: NEW signs, OLD still verifies.
    rotated = await startTestServer({ media: server.media, data: server.data, config: { auth: { signingSecrets: [NEW, OLD] } }, deps: { auth: { now: () => now } } });
  });
  after(async () => {
    await rotated.close();
    await server.close();
  });

  void it('refuses anonymous transforms and named outputs without a signature', async () => {
    assert.equal((await get(server, `/api/media/${a}/image?w=16`)).status, 401);
    assert.equal((await get(server, `/api/media/${a}/w16.jpg`)).status, 401);
    const session = await login(server, 'ann');
    const withSession = await get(server, `/api/media/${a}/w16.jpg`, { cookie: session.cookie });
    assert.equal(withSession.status, 200, 'a session needs no signature');
    assert.match(withSession.headers.get('cache-control') ?? '', /^private/, 'never cached by shared caches once users exist');
  });

  void it('serves a valid signed transform, named output and original', async () => {
    for (const route of [`/api/media/${a}/image?w=16&format=png`, `/api/media/${a}/w16.jpg`, `/api/media/${a}/original`]) {
      const response = await get(server, signPath(OLD, route, now / 1000 + 900));
      assert.equal(response.status, 200, route);
      assert.match(response.headers.get('content-type') ?? '', /^image\//);
    }
  });

  void it('refuses expired, tampered and other-item signatures', async () => {
    const signed = signPath(OLD, `/api/media/${a}/image?w=16`, now / 1000 + 60);
    assert.equal((await get(server, signed.replace('w=16', 'w=32'))).status, 403, 'tampered parameter');
    assert.equal((await get(server, signed.replace(a, b))).status, 403, 'another item');
    assert.equal((await get(server, signed.replace(/sig=./, 'sig=A'))).status, 403, 'tampered signature');
    assert.equal((await get(server, signPath('x'.repeat(40), `/api/media/${a}/image?w=16`, now / 1000 + 60))).status, 403, 'unknown secret');
    assert.equal((await get(server, signed)).status, 200);
    now += 61_000;
    assert.equal((await get(server, signed)).status, 403, 'expired');
    assert.equal((await get(server, `/api/media/${a}?expires=1&sig=x`)).status, 403, 'signatures do not open other doors');
  });

  void it('accepts links signed with the previous secret after rotation, and new ones', async () => {
    const viaOld = signPath(OLD, `/api/media/${b}/w16.webp`, now / 1000 + 60);
    const viaNew = signPath(NEW, `/api/media/${b}/w16.webp`, now / 1000 + 60);
    assert.equal((await get(rotated, viaOld)).status, 200);
    assert.equal((await get(rotated, viaNew)).status, 200);
    assert.equal((await get(server, viaNew)).status, 403, 'the old server does not know the new secret');
  });
});

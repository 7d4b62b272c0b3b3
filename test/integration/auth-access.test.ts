import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Router from '@koa/router';
import type { Spis } from '../../server/app.js';
import { CONTENT_SECURITY_POLICY } from '../../server/api/security-headers.js';
import { as, addUser, login, type Session } from '../helpers/auth.js';
import { writeJpeg } from '../helpers/media.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';
import { connectEvents } from '../helpers/ws-client.js';

/** Routes anyone may call: logging in, share exchange, probes, metrics (loopback here). */
const PUBLIC = new Set(['POST /api/session', 'GET /api/session', 'DELETE /api/session', 'POST /api/shares/:token/session', 'GET /metrics']);

/**
 * The route table, read from the routers the app really mounted, so a route added later is
 * checked here without editing this test.
 */
function mountedRoutes(spis: Spis): Array<{ method: string; pattern: string }> {
  const routes: Array<{ method: string; pattern: string }> = [];
  for (const middleware of spis.app.middleware) {
    // router.routes() keeps a reference to its router, routerChain() to its routers.
    const { router, routers } = middleware as { router?: Router; routers?: Router[] };
    for (const layer of (routers ?? (router ? [router] : [])).flatMap((r) => r.stack)) {
      for (const method of layer.methods) if (method !== 'HEAD') routes.push({ method, pattern: String(layer.path) });
    }
  }
  return routes;
}

function concrete(pattern: string, id: string): string {
  return pattern.replace(':id', id).replace(':size', 'small').replace(':output', 'w32.jpg').replace(':token', 'no-such-token');
}

void describe('access control with users', () => {
  let server: TestServer;
  let id = '';
  let viewer: Session;
  let member: Session;

  before(async () => {
    server = await startTestServer();
    await writeJpeg(path.join(server.media, 'a.jpg'), { taken: '2023:07:14 18:22:05' });
    await waitFor(() => server.spis.library.index.all()[0]?.id, { what: 'the item' }).then((found) => (id = found));
    await addUser(server, 'vera', 'viewer');
    await addUser(server, 'max', 'member');
    viewer = await login(server, 'vera');
    member = await login(server, 'max');
  });
  after(() => server.close());

  void it('refuses every mounted media and metadata route to an anonymous caller', async () => {
    const routes = mountedRoutes(server.spis).filter((r) => !PUBLIC.has(`${r.method} ${r.pattern}`) && !r.pattern.startsWith('/probe/'));
    const patterns = routes.map((r) => r.pattern);
    for (const expected of ['/api/media', '/api/media/:id', '/api/timeline', '/api/folders', '/api/status']) assert.ok(patterns.includes(expected), expected);
    for (const { method, pattern } of routes) {
      const response = await fetch(server.url + concrete(pattern, id), { method });
      assert.equal(response.status, 401, `${method} ${pattern}`);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'unauthorized');
    }
    await assert.rejects(connectEvents(server.url), /refused with 401/, 'WebSocket /api/events');
  });

  void it('covers thumbnails, originals, transforms and named outputs when mounted', async () => {
    const patterns = new Set(mountedRoutes(server.spis).map((r) => r.pattern));
    for (const pattern of ['/api/media/:id/thumb/:size', '/api/media/:id/original', '/api/media/:id/image', '/api/media/:id/:output']) {
      if (!patterns.has(pattern)) continue; // not merged yet: the loop above covers it once it is
      assert.equal((await fetch(server.url + concrete(pattern, id) + '?w=10')).status, 401, pattern);
      assert.notEqual((await fetch(server.url + concrete(pattern, id), { headers: { cookie: viewer.cookie } })).status, 401, pattern);
    }
  });

  void it('lets a viewer read but not favorite or archive', async () => {
    assert.equal((await api(server, '/api/media', { headers: as(viewer) })).status, 200);
    assert.equal((await api(server, `/api/media/${id}`, { headers: as(viewer) })).status, 200);
    for (const mark of ['favorite', 'archive']) {
      const { status, body } = await api<{ error: { code: string } }>(server, `/api/media/${id}/${mark}`, { method: 'PUT', headers: as(viewer) });
      assert.equal(status, 403, mark);
      assert.equal(body.error.code, 'forbidden');
    }
    assert.equal((await api<{ items: Array<{ favorite: boolean }> }>(server, '/api/media', { headers: as(viewer) })).body.items[0]?.favorite, false);
  });

  void it('lets a member favorite, with the CSRF header only', async () => {
    const without = await api(server, `/api/media/${id}/favorite`, { method: 'PUT', headers: { cookie: member.cookie } });
    assert.equal(without.status, 403, 'cookie without X-Spis-CSRF');
    const wrong = await api(server, `/api/media/${id}/favorite`, { method: 'PUT', headers: as(member, { 'x-spis-csrf': viewer.csrf }) });
    assert.equal(wrong.status, 403, 'another session’s token');
    const ok = await api<{ favorite: boolean }>(server, `/api/media/${id}/favorite`, { method: 'PUT', headers: as(member) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.favorite, true);
    await api(server, `/api/media/${id}/favorite`, { method: 'DELETE', headers: as(member) });
  });

  void it('accepts API tokens by role and refuses unknown ones', async () => {
    const token = await server.spis.auth.tokens.create('script', 'viewer');
    const bearer = { authorization: `Bearer ${token}` };
    assert.equal((await api(server, '/api/media', { headers: bearer })).status, 200);
    assert.equal((await api(server, `/api/media/${id}/favorite`, { method: 'PUT', headers: bearer })).status, 403);
    assert.equal((await api(server, '/api/media', { headers: { authorization: 'Bearer spis_nope' } })).status, 401);
    assert.equal((await api(server, '/api/media', { headers: { authorization: `Bearer ${token}x`, cookie: viewer.cookie } })).status, 401, 'a bad token never falls back to the cookie');
    const events = await connectEvents(server.url, { headers: bearer });
    events.ws.terminate();
    await server.spis.auth.tokens.revoke('script');
    assert.equal((await api(server, '/api/media', { headers: bearer })).status, 401, 'revoked');
  });

  void it('authenticates the event socket with the cookie, only from its own origin', async () => {
    const events = await connectEvents(server.url, { headers: { cookie: viewer.cookie } });
    assert.equal((await events.next((m) => m.type === 'hello')).type, 'hello');
    events.ws.terminate();
    await assert.rejects(connectEvents(server.url, { headers: { cookie: viewer.cookie, origin: 'https://evil.example' } }), /refused with 401/);
  });

  void it('sets HttpOnly SameSite=Lax cookies, rotates them on login and logs out here or everywhere', async () => {
    const response = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'vera', password: 'vera-password-123' }),
    });
    const setCookie = response.headers.getSetCookie().join('\n');
    assert.match(setCookie, /spis_session=[^;]+;.*httponly/i);
    assert.match(setCookie, /samesite=lax/i);
    assert.doesNotMatch(setCookie, /secure/i, 'no Secure flag over plain HTTP');

    const first = await login(server, 'vera');
    const rotated = await login(server, 'vera', undefined, first.cookie);
    assert.notEqual(rotated.cookie, first.cookie);
    assert.equal((await api(server, '/api/media', { headers: { cookie: first.cookie } })).status, 401, 'the old cookie died at login');
    const info = await api<{ user: { name: string; role: string }; csrfToken: string }>(server, '/api/session', { headers: { cookie: rotated.cookie } });
    assert.deepEqual(info.body.user, { name: 'vera', role: 'viewer' });
    assert.equal(info.body.csrfToken, rotated.csrf);

    const other = await login(server, 'vera');
    assert.equal((await api(server, '/api/session', { method: 'DELETE', headers: { cookie: rotated.cookie } })).status, 403, 'logout needs CSRF');
    assert.equal((await api(server, '/api/session?all=true', { method: 'DELETE', headers: as(rotated) })).status, 204);
    for (const gone of [rotated, other, viewer]) assert.equal((await api(server, '/api/media', { headers: { cookie: gone.cookie } })).status, 401);
    viewer = await login(server, 'vera');
  });

  void it('ends sessions when the password changes or the user is removed', async () => {
    await addUser(server, 'temp', 'viewer');
    const session = await login(server, 'temp');
    await server.spis.auth.users.setPassword('temp', 'a-new-password');
    assert.equal((await api(server, '/api/media', { headers: { cookie: session.cookie } })).status, 401);
    const again = await login(server, 'temp', 'a-new-password');
    await server.spis.auth.users.remove('temp');
    assert.equal((await api(server, '/api/media', { headers: { cookie: again.cookie } })).status, 401);
  });

  void it('sends strict security headers on pages, API answers and errors', async () => {
    for (const route of ['/', '/api/media', '/api/nothing-here']) {
      const response = await fetch(server.url + route, { headers: { cookie: viewer.cookie } });
      assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, route);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.ok(response.headers.get('permissions-policy'));
      assert.equal(response.headers.get('strict-transport-security'), null, 'no HSTS over plain HTTP');
    }
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self';/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline/);
  });

  void it('keeps secrets out of the data folder files', async () => {
    const { readFile } = await import('node:fs/promises');
    const stored = await readFile(path.join(server.data, 'auth', 'sessions.json'), 'utf8');
    assert.ok(!stored.includes(viewer.cookie.split('=')[1]!), 'session cookies are stored hashed');
    assert.ok(!(await readFile(path.join(server.data, 'auth', 'users.json'), 'utf8')).includes('vera-password-123'));
  });
});

void describe('access control without users', () => {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server.close());

  void it('is open on loopback, as before', async () => {
    assert.equal((await api(server, '/api/media')).status, 200);
    assert.equal((await api<{ authRequired: boolean }>(server, '/api/session')).body.authRequired, false);
    const events = await connectEvents(server.url);
    events.ws.terminate();
  });

  void it('answers only to loopback host names (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/media', headers: { host: `rebind.example:${server.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
    await assert.rejects(connectEvents(server.url, { headers: { host: 'rebind.example' } }), /refused with 403/);
  });

  void it('binds to loopback when asked for every address, and says how to add a user', async () => {
    const wide = await startTestServer({ config: { host: '0.0.0.0' } });
    try {
      assert.match(wide.url, /^http:\/\/127\.0\.0\.1:/);
      assert.ok(wide.logs.some((line) => String(line.msg).includes('spis user add NAME --role admin')));
    } finally {
      await wide.close();
    }
    const opted = await startTestServer({ config: { host: '0.0.0.0', allowAnonymousRemote: true } });
    try {
      assert.match(opted.url, /^http:\/\/0\.0\.0\.0:/);
      assert.ok(opted.logs.some((line) => line.level === 40 && String(line.msg).includes('allowAnonymousRemote')));
    } finally {
      await opted.close();
    }
  });

  void it('needs signed URLs for transforms when transforms.signed is on', async () => {
    const signed = await startTestServer({ config: { transforms: { signed: true } } });
    try {
      await writeJpeg(path.join(signed.media, 'b.jpg'));
      const id = await waitFor(() => signed.spis.library.index.all()[0]?.id, { what: 'the item' });
      assert.equal((await api(signed, `/api/media/${id}/image?w=16`)).status, 403);
      assert.equal((await api(signed, `/api/media/${id}`)).status, 200, 'other routes stay open');
    } finally {
      await signed.close();
    }
  });
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiItem, MediaPage, SessionInfo } from '../../server/shared/api-types.js';
import { addUser, as, cookieOf, login } from '../helpers/auth.js';
import { writeJpeg } from '../helpers/media.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

const json = (
  body: unknown,
  headers: Record<string, string> = {},
  method = 'POST',
): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

void describe('users, sessions, tokens, shares and rate limits shared by replicas through Redis', () => {
  let redis: RedisServer;
  let media: { dir: string; remove: () => Promise<void> };
  let a: TestServer;
  let b: TestServer;
  let itemId = '';

  before(async () => {
    redis = await startRedisServer();
    media = await tempDir('spis-shared-media-');
    await writeJpeg(path.join(media.dir, 'one.jpg'));
    const start = () =>
      startTestServer({
        media: media.dir,
        config: { state: { store: redis.url }, watch: { enabled: false } },
        // Small login allowance, no refill within the test: counting is what is checked.
        deps: { auth: { limits: { loginPerAddress: { capacity: 6, refillPerSecond: 0.0001 } } } },
      });
    a = await start();
    b = await start();
    await addUser(a, 'ann', 'admin');
    itemId = (await api<MediaPage>(a, '/api/media', { headers: as(await login(a, 'ann')) })).body
      .items[0]!.id;
  });
  after(async () => {
    await a.close();
    await b.close();
    await redis.dispose();
    await media.remove();
  });

  const sessionOn = async (server: TestServer, cookie: string) =>
    (await api<SessionInfo>(server, '/api/session', { headers: { cookie } })).body;

  void it('a user added through one replica can log in through another; the session works everywhere at once', async () => {
    await addUser(a, 'bob', 'member');
    const session = await login(b, 'bob');
    // No waiting: the session was made through B a moment ago and A has never seen it.
    assert.equal((await sessionOn(a, session.cookie)).user?.name, 'bob');
    const favorite = await api<ApiItem>(a, `/api/media/${itemId}/favorite`, {
      method: 'PUT',
      headers: as(session),
    });
    assert.equal(favorite.status, 200);
    assert.equal(favorite.body.favorite, true);
    assert.deepEqual(
      a.spis.auth.signingSecrets,
      b.spis.auth.signingSecrets,
      'one signing secret for all',
    );
  });

  void it('a logout through one replica ends the session on the others', async () => {
    const session = await login(a, 'ann');
    assert.equal((await sessionOn(b, session.cookie)).user?.name, 'ann');
    const out = await api(a, '/api/session', { method: 'DELETE', headers: as(session) });
    assert.equal(out.status, 204);
    const started = Date.now();
    await waitFor(
      async () => ((await sessionOn(b, session.cookie)).user === null ? true : undefined),
      {
        what: 'B to drop the session',
        timeoutMs: 2000,
        intervalMs: 5,
      },
    );
    assert.ok(
      Date.now() - started < 1500,
      'within the announcement, well before the once-a-second check',
    );
    assert.equal((await api(b, '/api/media', { headers: { cookie: session.cookie } })).status, 401);
  });

  void it('an API token and a share link made through one replica work through another at once', async () => {
    const token = await a.spis.auth.tokens.create('script', 'viewer');
    assert.equal(
      (await api(b, '/api/media', { headers: { authorization: `Bearer ${token}` } })).status,
      200,
    );
    const admin = await login(a, 'ann');
    const created = await api<{ token: string }>(
      a,
      '/api/shares',
      json({ items: [itemId] }, as(admin)),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const opened = await fetch(`${b.url}/api/shares/${created.body.token}/session`, {
      method: 'POST',
    });
    assert.equal(opened.status, 200);
    const cookie = cookieOf(opened, 'spis_share');
    const listed = await api<MediaPage>(a, '/api/media', { headers: { cookie } });
    assert.deepEqual(
      listed.body.items.map((item) => item.id),
      [itemId],
    );
    assert.equal((await b.spis.auth.shares.list()).length, 1);
  });

  void it('login throttling counts wrong passwords across replicas', async () => {
    const attempt = (server: TestServer) =>
      api(server, '/api/session', json({ username: 'carol', password: 'not-the-password' }));
    // Forgotten through A: the logins of the tests before no longer count, on B either.
    await a.spis.auth.loginByAddress.reset('ip:127.0.0.1');
    // The allowance is 6 per address in all, not 6 per replica.
    for (const server of [a, b, a, b, a, b]) assert.equal((await attempt(server)).status, 401);
    const refused = await attempt(a);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.equal((await attempt(b)).status, 429);
  });

  void it('while Redis is away sessions keep working and changes answer 503; afterwards nothing is lost', async () => {
    // The address is throttled by the test before: the session is made straight in the store.
    const epoch = a.spis.auth.users.get('bob')!.epoch;
    const cookie = `spis_session=${await a.spis.auth.sessions.create({ kind: 'user', user: 'bob', epoch }, 3_600_000)}`;
    assert.equal((await sessionOn(b, cookie)).user?.name, 'bob');
    await redis.stop();
    try {
      await waitFor(() => (a.spis.redis!.up || b.spis.redis!.up ? undefined : true), {
        what: 'both replicas to notice',
      });
      assert.equal((await sessionOn(b, cookie)).user?.name, 'bob', 'reads go on from the copy');
      assert.equal((await api(b, '/api/media', { headers: { cookie } })).status, 200);
      await assert.rejects(
        a.spis.auth.users.put('dave', 'viewer', 'dave-password-123'),
        (error: Error & { code?: string }) => error.code === 'unavailable',
      );
      assert.equal(a.spis.auth.users.get('dave'), undefined, 'nothing half-applied');
      const csrf = b.spis.auth.csrfToken(decodeURIComponent(cookie.split('=')[1]!));
      const logout = await api<{ error: { code: string } }>(b, '/api/session', {
        method: 'DELETE',
        headers: { cookie, 'x-spis-csrf': csrf },
      });
      assert.equal(logout.status, 503);
      assert.equal(logout.body.error.code, 'unavailable');
      assert.equal(
        (await sessionOn(b, cookie)).user?.name,
        'bob',
        'the refused logout changed nothing',
      );
    } finally {
      await redis.restart();
    }
    await waitFor(() => (a.spis.redis!.up && b.spis.redis!.up ? true : undefined), {
      what: 'both replicas to reconnect',
      timeoutMs: 15_000,
    });
    assert.equal((await sessionOn(a, cookie)).user?.name, 'bob');
    assert.ok(a.spis.auth.users.get('ann'), 'users written before are still there');
    await a.spis.auth.users.put('dave', 'viewer', 'dave-password-123');
    await waitFor(() => (b.spis.auth.users.get('dave') ? true : undefined), {
      what: 'B to learn of the new user',
    });
  });
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, addUser, cookieOf, login, type Session } from '../helpers/auth.js';
import { writeJpeg } from '../helpers/media.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';
import { connectEvents } from '../helpers/ws-client.js';

interface Page {
  items: Array<{ id: string; path: string }>;
}

void describe('share links', () => {
  let server: TestServer;
  let now = Date.parse('2026-01-01T12:00:00Z');
  let admin: Session;
  const ids: Record<string, string> = {};

  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  async function share(body: Record<string, unknown>): Promise<{ token: string; url: string }> {
    const created = await api<{ token: string; url: string }>(server, '/api/shares', json(body, as(admin)));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  }
  async function open(token: string, body?: unknown, query = ''): Promise<{ status: number; cookie: string; csrf: string }> {
    const response = await fetch(`${server.url}/api/shares/${token}/session${query}`, body === undefined ? { method: 'POST' } : json(body));
    const parsed = (await response.json()) as { csrfToken?: string };
    return { status: response.status, cookie: response.status === 200 ? cookieOf(response, 'spis_share') : '', csrf: parsed.csrfToken ?? '' };
  }

  before(async () => {
    server = await startTestServer({ deps: { auth: { now: () => now } } });
    await writeJpeg(path.join(server.media, 'a.jpg'), { taken: '2023:07:14 10:00:00' });
    await writeJpeg(path.join(server.media, 'b.jpg'), { taken: '2024:03:01 10:00:00' });
    await writeJpeg(path.join(server.media, 'trip', 'c.jpg'), { taken: '2024:05:01 10:00:00' });
    await waitFor(() => (server.spis.library.index.size === 3 ? true : undefined), { what: 'three items' });
    for (const record of server.spis.library.index.all()) ids[path.basename(record.path, '.jpg')] = record.id;
    await addUser(server, 'ann', 'admin');
    await addUser(server, 'vic', 'viewer');
    admin = await login(server, 'ann');
  });
  after(() => server.close());

  void it('shows exactly the shared items, everywhere, and nothing else', async () => {
    const created = await share({ items: [ids.a], expiresAt: new Date(now + 3_600_000).toISOString() });
    assert.match(created.url, /#share=/);
    const visitor = await open(created.token);
    assert.equal(visitor.status, 200);
    const headers = { cookie: visitor.cookie };
    const page = await api<Page>(server, '/api/media', { headers });
    assert.deepEqual(page.body.items.map((item) => item.id), [ids.a]);
    assert.deepEqual((await api<Page>(server, '/api/media?year=2024', { headers })).body.items, []);
    const timeline = await api<Array<{ count: number }>>(server, '/api/timeline', { headers });
    assert.deepEqual(timeline.body.map((bucket) => bucket.count), [1]);
    assert.equal((await api<{ count: number }>(server, '/api/folders', { headers })).body.count, 1);
    assert.equal((await api(server, `/api/media/${ids.a}`, { headers })).status, 200);
    for (const other of [ids.b!, ids.c!, 'AAAAAAAAAAAAAAAA']) {
      for (const suffix of ['', '/original', '/thumb/small', '/image?w=8', '/w16.jpg']) {
        assert.equal((await api(server, `/api/media/${other}${suffix}`, { headers })).status, 404, `${other}${suffix}`);
      }
    }
    assert.equal((await fetch(`${server.url}/api/media/${ids.a}/original`, { headers })).status, 200);
    const favorite = await api(server, `/api/media/${ids.a}/favorite`, { method: 'PUT', headers: { ...headers, 'x-spis-csrf': visitor.csrf } });
    assert.equal(favorite.status, 403, 'a share link changes nothing');
    assert.equal((await api(server, '/api/status', { headers })).status, 403);
    await assert.rejects(connectEvents(server.url, { headers }), /refused with 401/);
  });

  void it('stops working at expiry (injected clock)', async () => {
    const created = await share({ items: [ids.b], expiresAt: new Date(now + 60_000).toISOString() });
    const visitor = await open(created.token);
    assert.equal((await api(server, `/api/media/${ids.b}`, { headers: { cookie: visitor.cookie } })).status, 200);
    now += 61_000;
    assert.equal((await api(server, `/api/media/${ids.b}`, { headers: { cookie: visitor.cookie } })).status, 401);
    assert.equal((await api(server, '/api/media', { headers: { cookie: visitor.cookie } })).status, 401);
    assert.equal((await open(created.token)).status, 404);
  });

  void it('evaluates a filter share against the index', async () => {
    const created = await share({ filter: { folder: 'trip' } });
    const visitor = await open(created.token);
    const page = await api<Page>(server, '/api/media', { headers: { cookie: visitor.cookie } });
    assert.deepEqual(page.body.items.map((item) => item.path), ['trip/c.jpg']);
    assert.equal((await api(server, `/api/media/${ids.a}`, { headers: { cookie: visitor.cookie } })).status, 404);
    await writeJpeg(path.join(server.media, 'trip', 'd.jpg'));
    await waitFor(async () => {
      const next = await api<Page>(server, '/api/media', { headers: { cookie: visitor.cookie } });
      return next.body.items.length === 2 ? true : undefined;
    }, { what: 'the new trip photo in the share' });
  });

  void it('takes a share password in the JSON body only, never in the query string', async () => {
    const created = await share({ items: [ids.a], password: 'share-secret-1' });
    assert.equal((await open(created.token)).status, 401);
    assert.equal((await open(created.token, { password: 'wrong-secret' })).status, 401);
    const inQuery = await open(created.token, { password: 'share-secret-1' }, '?password=share-secret-1');
    assert.equal(inQuery.status, 400, 'refused even with the right password in the body');
    assert.equal((await open(created.token, undefined, '?password=share-secret-1')).status, 400);
    assert.equal((await open(created.token, { password: 'share-secret-1' })).status, 200);
    assert.ok(!server.logs.some((line) => JSON.stringify(line).includes('share-secret-1')), 'never logged');
  });

  void it('is revoked by its creator, ending its sessions', async () => {
    const created = await share({ items: [ids.a] });
    const visitor = await open(created.token);
    const viewer = await login(server, 'vic');
    assert.equal((await api(server, '/api/shares', json({ items: [ids.a] }, as(viewer)))).status, 403, 'viewers cannot share');
    assert.equal((await api(server, `/api/shares/${created.token}`, { method: 'DELETE', headers: as(viewer) })).status, 403);
    assert.equal((await api(server, `/api/shares/${created.token}`, { method: 'DELETE', headers: as(admin) })).status, 204);
    assert.equal((await api(server, '/api/media', { headers: { cookie: visitor.cookie } })).status, 401);
    assert.equal((await open(created.token)).status, 404);
  });

  void it('lists links for review: admins see all, members their own, viewers none; revoked by the listed id', async () => {
    await addUser(server, 'meg', 'member');
    const member = await login(server, 'meg');
    const mine = await api<{ token: string }>(server, '/api/shares', json({ items: [ids.a, ids.b], password: 'share-secret-2', expiresAt: new Date(now + 86_400_000).toISOString() }, as(member)));
    assert.equal(mine.status, 201);
    const theirs = await share({ filter: { year: 2024 } });
    assert.equal((await open(mine.body.token, { password: 'share-secret-2' })).status, 200);
    assert.equal((await open(mine.body.token, { password: 'share-secret-2' })).status, 200);

    interface Listed {
      id: string;
      items: number | null;
      filter: unknown;
      createdAt: string;
      createdBy: string;
      expiresAt: string | null;
      password: boolean;
      views: number;
    }
    const list = async (session: Session) => api<{ shares: Listed[] }>(server, '/api/shares', { headers: as(session) });
    const memberList = await list(member);
    assert.equal(memberList.status, 200);
    assert.equal(memberList.body.shares.length, 1, 'a member sees only the links they made');
    const listed = memberList.body.shares[0]!;
    assert.deepEqual(
      { items: listed.items, filter: listed.filter, createdBy: listed.createdBy, password: listed.password, views: listed.views, expiresAt: listed.expiresAt },
      { items: 2, filter: null, createdBy: 'user:meg', password: true, views: 2, expiresAt: new Date(now + 86_400_000).toISOString() },
    );
    assert.ok(!JSON.stringify(memberList.body).includes(mine.body.token), 'the token itself is never listed');
    assert.ok(!JSON.stringify(memberList.body).includes('scrypt') && !('passwordHash' in listed), 'nor the password hash');
    const adminList = await list(admin);
    assert.ok(adminList.body.shares.some((s) => s.id === listed.id) && adminList.body.shares.some((s) => s.items === null && s.createdBy === 'user:ann'), 'an admin sees every link');
    assert.deepEqual(adminList.body.shares.map((s) => s.createdAt), [...adminList.body.shares.map((s) => s.createdAt)].sort().reverse(), 'newest first');
    const viewer = await login(server, 'vic');
    assert.equal((await list(viewer)).status, 403, 'viewers have no links to list');

    const theirId = adminList.body.shares.find((s) => s.createdBy === 'user:ann' && s.items === null)!.id;
    assert.equal((await api(server, `/api/shares/${theirId}`, { method: 'DELETE', headers: as(member) })).status, 403, 'not their link');
    assert.equal((await api(server, `/api/shares/${listed.id}`, { method: 'DELETE', headers: as(member) })).status, 204, 'revoked by its listed id');
    assert.equal((await open(mine.body.token, { password: 'share-secret-2' })).status, 404);
    assert.deepEqual((await list(member)).body.shares, []);
    assert.equal((await open(theirs.token)).status, 200, 'the other link still works');
  });

  void it('rejects bad share requests with 400', async () => {
    for (const body of [{}, { items: [] }, { items: ['nope'] }, { items: [ids.a], filter: {} }, { filter: { bogus: 1 } }, { items: [ids.a], expiresAt: '2000-01-01T00:00:00Z' }, { items: [ids.a], password: 'short' }]) {
      assert.equal((await api(server, '/api/shares', json(body, as(admin)))).status, 400, JSON.stringify(body));
    }
  });
});

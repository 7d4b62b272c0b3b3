import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addUser } from '../helpers/auth.js';
import { api, startTestServer, type TestServer } from '../helpers/spis.js';

function post(server: TestServer, body: string, headers: Record<string, string> = {}) {
  return api<{ error?: { code: string; message: string } }>(server, '/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

void describe('login', () => {
  let server: TestServer;
  let now = 1_800_000_000_000;

  before(async () => {
    server = await startTestServer({
      config: { trustProxy: true },
      deps: { auth: { now: () => now, limits: { loginPerAddress: { capacity: 12, refillPerSecond: 1 / 6 }, loginPerUser: { capacity: 12, refillPerSecond: 1 / 6 } } } },
    });
    await addUser(server, 'ann', 'member', 'the-right-password');
  });
  after(() => server.close());

  void it('fails empty, non-string, very long, wrong and unknown the same way', async () => {
    const attempts: unknown[] = [
      { username: 'ann', password: '' },
      { username: 'ann', password: 12345678 },
      { username: 'ann', password: null },
      { username: 'ann', password: { $ne: '' } },
      { username: 'ann', password: ['the-right-password'] },
      { username: 'ann', password: 'x'.repeat(10_000) },
      { username: 'ann', password: 'the-wrong-password' },
      { username: 'nobody', password: 'the-right-password' },
      { username: 42, password: 'the-right-password' },
      { password: 'the-right-password' },
    ];
    const answers = new Set<string>();
    for (const [i, attempt] of attempts.entries()) {
      // A fresh address each time, so throttling does not change the answer.
      const { status, body, headers } = await post(server, JSON.stringify(attempt), { 'x-forwarded-for': `10.0.0.${i + 1}` });
      assert.equal(headers.get('set-cookie'), null);
      answers.add(`${status} ${JSON.stringify(body)}`);
    }
    assert.deepEqual([...answers], ['401 {"error":{"code":"unauthorized","message":"wrong username or password"}}']);
    const ok = await post(server, JSON.stringify({ username: 'ann', password: 'the-right-password' }), { 'x-forwarded-for': '10.0.1.1' });
    assert.equal(ok.status, 200);
  });

  void it('throttles an address after repeated failures, with Retry-After', async () => {
    const from = { 'x-forwarded-for': '10.9.9.9' };
    const wrong = JSON.stringify({ username: 'ann', password: 'guess' });
    for (let i = 0; i < 12; i++) assert.equal((await post(server, wrong, from)).status, 401, `attempt ${i + 1}`);
    const throttled = await post(server, wrong, from);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.body.error?.code, 'rate_limited');
    assert.equal(throttled.headers.get('retry-after'), '6');
    const right = await post(server, JSON.stringify({ username: 'ann', password: 'the-right-password' }), from);
    assert.equal(right.status, 429, 'even the right password waits');
    const elsewhere = JSON.stringify({ username: 'someone-else', password: 'guess' });
    assert.equal((await post(server, elsewhere, { 'x-forwarded-for': '10.9.9.10' })).status, 401, 'other addresses are not affected');
    now += 6000;
    assert.equal((await post(server, JSON.stringify({ username: 'ann', password: 'the-right-password' }), from)).status, 200, 'after Retry-After');
  });

  void it('throttles a user name attacked from many addresses', async () => {
    await addUser(server, 'bob', 'viewer', 'bobs-password-1');
    const wrong = JSON.stringify({ username: 'bob', password: 'guess' });
    for (let i = 0; i < 12; i++) assert.equal((await post(server, wrong, { 'x-forwarded-for': `10.7.0.${i}` })).status, 401);
    const throttled = await post(server, wrong, { 'x-forwarded-for': '10.7.1.1' });
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
  });

  void it('refuses oversized, non-JSON and malformed bodies', async () => {
    const big = JSON.stringify({ username: 'ann', password: 'p'.repeat(20_000) });
    assert.equal((await post(server, big, { 'x-forwarded-for': '10.8.0.1' })).status, 413);
    assert.equal((await post(server, '{"username":', { 'x-forwarded-for': '10.8.0.2' })).status, 400);
    assert.equal((await post(server, '[]', { 'x-forwarded-for': '10.8.0.3' })).status, 400);
    const form = await api(server, '/api/session', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=ann&password=x' });
    assert.equal(form.status, 400, 'cross-site forms cannot log anyone in');
  });
});

void describe('API rate limit', () => {
  let server: TestServer;
  let now = 1_800_000_000_000;
  before(async () => {
    server = await startTestServer({ deps: { auth: { now: () => now, limits: { apiPerPrincipal: { capacity: 5, refillPerSecond: 1 } } } } });
    await addUser(server, 'ann', 'viewer');
  });
  after(() => server.close());

  void it('throttles one principal at a time, with Retry-After', async () => {
    const token = await server.spis.auth.tokens.create('busy', 'viewer');
    const other = await server.spis.auth.tokens.create('calm', 'viewer');
    const get = (t: string) => api(server, '/api/media', { headers: { authorization: `Bearer ${t}` } });
    for (let i = 0; i < 5; i++) assert.equal((await get(token)).status, 200);
    const throttled = await get(token);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '1');
    assert.equal((await get(other)).status, 200, 'another token has its own bucket');
    now += 1000;
    assert.equal((await get(token)).status, 200);
  });
});

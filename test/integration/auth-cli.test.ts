import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli as spis } from '../helpers/cli.js';
import { after, before, describe, it } from 'node:test';
import { writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';


void describe('spis user / token / sign-url / generate-secret', () => {
  let data: { dir: string; remove: () => Promise<void> };
  let server: TestServer | null = null;
  let bearer = '';
  const flags = () => ['--data', data.dir, '--media', path.join(data.dir, 'media')];

  before(async () => (data = await tempDir('spis-cli-auth-')));
  after(async () => {
    await server?.close();
    await data.remove();
  });

  void it('sets up users, tokens and signed URLs that the server accepts', async () => {
    const [added, token] = await Promise.all([
      spis(['user', 'add', 'Ann', '--role', 'admin', ...flags()], 'piped-password-1\n'),
      spis(['token', 'create', '--name', 'backup', '--role', 'viewer', ...flags()]),
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, '', 'nothing on stdout');
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.stdout, /^spis_[A-Za-z0-9_-]{43}\n$/, 'only the token');
    bearer = token.stdout.trim();
    const listed = await spis(['user', 'list', ...flags()]);
    assert.match(listed.stdout, /^ann\tadmin\t/);

    await writeJpeg(path.join(data.dir, 'media', 'a.jpg'));
    server = await startTestServer({ data: data.dir, media: path.join(data.dir, 'media') });
    const id = await waitFor(() => server!.spis.library.index.all()[0]?.id, { what: 'the item' });
    const login = await api(server, '/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ann', password: 'piped-password-1' }),
    });
    assert.equal(login.status, 200, 'the piped password, without its newline');
    assert.equal((await api(server, '/api/media', { headers: { authorization: `Bearer ${token.stdout.trim()}` } })).status, 200);

    const signed = await spis(['sign-url', '--path', `/api/media/${id}/w16.jpg`, '--ttl', '15m', ...flags()]);
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(signed.stdout, /^\/api\/media\/\S+\?expires=\d+&sig=[A-Za-z0-9_-]{43}\n$/);
    assert.equal((await fetch(server.url + signed.stdout.trim())).status, 200);
    assert.equal((await fetch(`${server.url}/api/media/${id}/w16.jpg`)).status, 401);
  });

  void it('lets a running server see users and tokens changed by the CLI', async () => {
    assert.ok(server);
    const [revoked, added] = await Promise.all([
      spis(['token', 'revoke', 'backup', ...flags()]),
      spis(['user', 'add', 'bob', '--role', 'viewer', ...flags()], 'bobs-password-1'),
    ]);
    assert.equal(revoked.code, 0, revoked.stderr);
    await waitFor(async () => {
      const { status } = await api(server!, '/api/media', { headers: { authorization: `Bearer ${bearer}` } });
      return status === 401 ? true : undefined;
    }, { timeoutMs: 10_000, intervalMs: 250, what: 'the revoked token to be refused' });
    assert.equal(added.code, 0, added.stderr);
    await waitFor(async () => {
      const { status } = await api(server!, '/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bob', password: 'bobs-password-1' }),
      });
      return status === 200 ? true : undefined;
    }, { timeoutMs: 10_000, intervalMs: 500, what: 'bob to be able to log in' });
  });

  void it('exits non-zero with a clear message on bad input', async () => {
    // Independent commands, run side by side to keep the test quick.
    const [badRole, short, dup, ttl, missing, secret] = await Promise.all([
      spis(['user', 'add', 'carl', '--role', 'boss', ...flags()], 'whatever-password'),
      spis(['user', 'add', 'carl', '--role', 'viewer', ...flags()], 'short'),
      spis(['user', 'add', 'ann', '--role', 'viewer', ...flags()], 'another-password'),
      spis(['sign-url', '--path', '/x', '--ttl', 'soon', ...flags()]),
      spis(['token', 'revoke', 'nope', ...flags()]),
      spis(['generate-secret']),
    ]);
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /--role must be one of viewer, member, admin/);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 8 characters/);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    assert.equal(ttl.code, 2);
    assert.equal(missing.code, 1);
    assert.match(secret.stdout, /^[A-Za-z0-9_-]{43}\n$/);
  });
});

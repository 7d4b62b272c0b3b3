import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli as spis } from '../helpers/cli.js';
import { after, before, describe, it } from 'node:test';
import type { ApiItem, MediaPage, SessionInfo } from '../../server/shared/api-types.js';
import { addUser, as, login } from '../helpers/auth.js';
import { writeJpeg } from '../helpers/media.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

const AUTH_FILES = ['users.json', 'tokens.json', 'sessions.json', 'shares.json', 'signing-secret'];

void describe('spis migrate-state and the state commands against Redis', () => {
  let redis: RedisServer;
  let media: { dir: string; remove: () => Promise<void> };
  const folders: Array<{ dir: string; remove: () => Promise<void> }> = [];
  const servers: TestServer[] = [];
  let original = '';
  let session = { cookie: '', csrf: '' };
  let token = '';
  let shareToken = '';
  let favoriteId = '';

  before(async () => {
    redis = await startRedisServer();
    media = await tempDir('spis-shared-media-');
    await writeJpeg(path.join(media.dir, 'a.jpg'), { color: '#102030' });
    await writeJpeg(path.join(media.dir, 'b.jpg'), { color: '#302010' });
    for (let i = 0; i < 3; i++) folders.push(await tempDir('spis-state-data-'));
    original = folders[0]!.dir;
    // A single server's data folder with something of every kind.
    const single = await startTestServer({
      media: media.dir,
      data: original,
      config: { watch: { enabled: false } },
    });
    try {
      await addUser(single, 'ann', 'admin');
      session = await login(single, 'ann');
      token = await single.spis.auth.tokens.create('backup', 'viewer');
      const items = (await api<MediaPage>(single, '/api/media', { headers: as(session) })).body
        .items;
      favoriteId = items[0]!.id;
      assert.equal(
        (
          await api(single, `/api/media/${favoriteId}/favorite`, {
            method: 'PUT',
            headers: as(session),
          })
        ).status,
        200,
      );
      assert.equal(
        (
          await api(single, `/api/media/${items[1]!.id}/archive`, {
            method: 'PUT',
            headers: as(session),
          })
        ).status,
        200,
      );
      const share = await api<{ token: string }>(single, '/api/shares', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...as(session) },
        body: JSON.stringify({ items: [favoriteId], password: 'share-password-1' }),
      });
      assert.equal(share.status, 201);
      shareToken = share.body.token;
    } finally {
      await single.close();
    }
  });
  after(async () => {
    for (const server of servers) await server.close();
    for (const folder of folders) await folder.remove();
    await media.remove();
    await redis.dispose();
  });

  const flags = (data: string) => ['--data', data, '--media', media.dir];

  void it('copies the data folder into Redis and back, verified, and refuses to overwrite', async () => {
    const there = await spis(['migrate-state', '--to', redis.url, ...flags(original)]);
    assert.equal(there.code, 0, there.stderr);
    assert.match(there.stdout, /^copied and verified /);
    assert.match(there.stdout, /marks: 2 \(1 favorites, 1 archived\)/);
    assert.match(there.stdout, /users: 1\n/);
    assert.match(there.stdout, /API tokens: 1\n/);
    assert.match(there.stdout, /sessions: 1\n/);
    assert.match(there.stdout, /share links: 1\n/);
    assert.match(there.stdout, /signing secret: copied/);

    const again = await spis(['migrate-state', '--to', redis.url, ...flags(original)]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already holds state .*add --force to replace it/);

    const copy = folders[1]!.dir;
    // From Redis back into the data folder `copy`.
    const toFiles = (...extra: string[]) =>
      spis([
        'migrate-state',
        '--to',
        'files',
        ...extra,
        '--state-store',
        redis.url,
        ...flags(copy),
      ]);
    const back = await toFiles();
    assert.equal(back.code, 0, back.stderr);
    for (const name of AUTH_FILES) {
      assert.equal(
        await readFile(path.join(copy, 'auth', name), 'utf8'),
        await readFile(path.join(original, 'auth', name), 'utf8'),
        name,
      );
    }
    const marks = async (dir: string) => {
      const parsed = JSON.parse(await readFile(path.join(dir, 'marks.json'), 'utf8')) as {
        version: number;
        marks: Record<string, unknown>;
      };
      return {
        version: parsed.version,
        marks: Object.fromEntries(
          Object.entries(parsed.marks).sort(([a], [b]) => a.localeCompare(b)),
        ),
      };
    };
    assert.deepEqual(await marks(copy), await marks(original));

    const refused = await toFiles();
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /already holds state/);
    const forced = await toFiles('--force');
    assert.equal(forced.code, 0, forced.stderr);
  });

  void it('a server on Redis serves what was migrated: users, sessions, tokens, shares, marks, signatures', async () => {
    const server = await startTestServer({
      media: media.dir,
      data: folders[2]!.dir,
      config: { state: { store: redis.url }, watch: { enabled: false } },
    });
    servers.push(server);
    const info = (
      await api<SessionInfo>(server, '/api/session', { headers: { cookie: session.cookie } })
    ).body;
    assert.equal(info.user?.name, 'ann', 'a session made before the migration still works');
    assert.equal(
      (await api(server, '/api/media', { headers: { authorization: `Bearer ${token}` } })).status,
      200,
    );
    const item = await api<ApiItem>(server, `/api/media/${favoriteId}`, { headers: as(session) });
    assert.equal(item.body.favorite, true);
    const opened = await fetch(`${server.url}/api/shares/${shareToken}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'share-password-1' }),
    });
    assert.equal(opened.status, 200);
    const secret = (await readFile(path.join(original, 'auth', 'signing-secret'), 'utf8')).trim();
    assert.deepEqual(server.spis.auth.signingSecrets, [secret]);
  });

  void it('user, token and sign-url work against the configured Redis store', async () => {
    const server = servers[0]!;
    const store = ['--state-store', redis.url, ...flags(folders[2]!.dir)];
    const added = await spis(
      ['user', 'add', 'bob', '--role', 'viewer', ...store],
      'bobs-password-1',
    );
    assert.equal(added.code, 0, added.stderr);
    await waitFor(() => (server.spis.auth.users.get('bob') ? true : undefined), {
      what: 'the server to learn of bob',
    });
    assert.equal((await login(server, 'bob', 'bobs-password-1')).csrf.length > 0, true);
    const listed = await spis(['user', 'list', ...store]);
    assert.match(listed.stdout, /^ann\tadmin\t.*\nbob\tviewer\t/);

    const created = await spis(['token', 'create', '--name', 'cron', '--role', 'viewer', ...store]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^spis_\S+\n$/);
    assert.equal(
      (
        await api(server, '/api/media', {
          headers: { authorization: `Bearer ${created.stdout.trim()}` },
        })
      ).status,
      200,
    );
    const revoked = await spis(['token', 'revoke', 'cron', ...store]);
    assert.equal(revoked.code, 0, revoked.stderr);
    await waitFor(
      async () =>
        (
          await api(server, '/api/media', {
            headers: { authorization: `Bearer ${created.stdout.trim()}` },
          })
        ).status === 401
          ? true
          : undefined,
      {
        what: 'the revoked token refused',
      },
    );

    const signed = await spis(['sign-url', '--path', `/api/media/${favoriteId}/w16.jpg`, ...store]);
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(
      (await fetch(server.url + signed.stdout.trim())).status,
      200,
      'signed with the shared secret',
    );
    // The data folder of this server holds no auth state: it all lives in Redis.
    await assert.rejects(readFile(path.join(folders[2]!.dir, 'auth', 'users.json')));
  });
});

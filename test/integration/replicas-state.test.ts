import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { after, before, describe, it } from 'node:test';
import type {
  ApiItem,
  MediaPage,
  ServerMessage,
  SessionInfo,
} from '../../server/shared/api-types.js';
import { as, cookieOf, type Session } from '../helpers/auth.js';
import { writeJpeg } from '../helpers/media.js';
import { startReplicas, type ReplicaSet } from '../helpers/replicas.js';
import { waitFor } from '../helpers/spis.js';
import { connectEvents, type EventClient } from '../helpers/ws-client.js';

const ITEMS = 30;
const CLIENTS = 10;
const TOGGLES = 1000;
const ADMIN = 'ann';
const PASSWORD = 'anns-password-123';
/** Runs `spis ARGS` with `input` on standard input; fails on a non-zero exit. */
async function spisCli(args: string[], input = ''): Promise<string> {
  const { code, stdout, stderr } = await runCli(args, input);
  if (code !== 0) throw new Error(`spis ${args[0]} exited with ${code}: ${stderr}`);
  return stdout;
}

// The built-in login limits (no setting changes them): 10 tries per address, 20 per user name.
const PER_ADDRESS = { capacity: 10, refillMs: 6000 };
const PER_USER = { capacity: 20, refillMs: 30_000 };

/** A failed or good login from `localAddress` (any 127.0.0.0/8 address: each is its own client address). */
function loginFrom(
  base: string,
  localAddress: string,
  username: string,
  password: string,
): Promise<number> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${base}/api/session`,
      {
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Deterministic pseudo-random numbers in [0, 1): the same toggles on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const favoriteChanges = (client: EventClient, id: string) =>
  client.messages
    .filter(
      (m): m is Extract<ServerMessage, { type: 'media.updated' }> =>
        m.type === 'media.updated' && m.item.id === id,
    )
    .map((m) => m.item.favorite);

void describe('shared state through nginx in front of three replicas on one Redis', () => {
  let set: ReplicaSet;
  let token = '';
  let ids: string[] = [];
  /** Each item's favorite as of the last acknowledged write: the sequential model. */
  const model = new Map<string, boolean>();
  const bearer = () => ({ authorization: `Bearer ${token}` });

  async function listFavorites(base: string): Promise<Map<string, boolean>> {
    const response = await fetch(`${base}/api/media?limit=500`, { headers: bearer() });
    assert.equal(response.status, 200, `listing on ${base}`);
    const page = (await response.json()) as MediaPage;
    assert.equal(page.nextCursor, null);
    return new Map(page.items.map((item: ApiItem) => [item.id, item.favorite]));
  }

  const matchesModel = (favorites: Map<string, boolean>) =>
    favorites.size === ITEMS &&
    [...favorites].every(([id, value]) => (model.get(id) ?? false) === value);

  /** Every replica, asked directly, lists the model's marks (within `timeoutMs`). */
  async function convergedEverywhere(what: string, timeoutMs = 30_000): Promise<void> {
    for (const [index, url] of set.urls.entries()) {
      await waitFor(async () => (matchesModel(await listFavorites(url)) ? true : undefined), {
        timeoutMs,
        intervalMs: 200,
        what: `${what}: replica ${index} listing the model's favorites`,
      });
    }
  }

  async function toggle(
    base: string,
    id: string,
    value: boolean,
    headers: Record<string, string> = bearer(),
  ): Promise<Response> {
    return fetch(`${base}/api/media/${id}/favorite`, { method: value ? 'PUT' : 'DELETE', headers });
  }

  before(async () => {
    set = await startReplicas({
      count: 3,
      config: { watch: { settleMs: 100 }, thumbnails: { pregenerate: false } },
      async prepare(redis, media) {
        for (let i = 0; i < ITEMS; i++) {
          await writeJpeg(path.join(media, `photo-${String(i).padStart(2, '0')}.jpg`), {
            width: 16,
            height: 12,
            color: `#${(i * 0x050301).toString(16).padStart(6, '0')}`,
          });
        }
        // Users and tokens go straight into the shared store, as an operator would add them.
        const store = [
          '--state-store',
          redis.url,
          '--media',
          media,
          '--data',
          path.join(media, '..'),
        ];
        await spisCli(['user', 'add', ADMIN, '--role', 'admin', ...store], PASSWORD);
        token = (
          await spisCli(['token', 'create', '--name', 'clients', '--role', 'member', ...store])
        ).trim();
      },
    });
    for (const [index, url] of set.urls.entries()) {
      await waitFor(async () => ((await listFavorites(url)).size === ITEMS ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: `replica ${index} indexing the photos`,
      });
    }
    ids = [...(await listFavorites(set.urls[0]!)).keys()].sort();
  });
  after(async () => {
    await set?.dispose();
  });

  void it(
    '1,000 favorite toggles from 10 clients through nginx: every replica ends on the sequential model, and the clients of every replica see each change once',
    { timeout: 120_000 },
    async () => {
      const clients = await Promise.all(
        set.urls.map((url) => connectEvents(url, { headers: bearer() })),
      );
      /** Per item, the favorite value of each change, in order: what every client must see. */
      const changes = new Map<string, boolean[]>(ids.map((id) => [id, []]));
      const write = async (id: string, value: boolean) => {
        const response = await toggle(set.lbUrl, id, value);
        assert.equal(response.status, 200, `toggle of ${id}`);
        assert.equal(((await response.json()) as ApiItem).favorite, value);
        if ((model.get(id) ?? false) !== value) changes.get(id)!.push(value);
        model.set(id, value);
      };
      // Each client owns its own items and waits for each answer: per item, the last
      // acknowledged write is the one that must win.
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          const random = seeded(client + 1);
          const owned = ids.filter((_, i) => i % CLIENTS === client);
          for (let n = 0; n < TOGGLES / CLIENTS; n++) {
            await write(owned[Math.floor(random() * owned.length)]!, random() < 0.5);
          }
        }),
      );
      await convergedEverywhere('after the toggles');
      // Through nginx too: whichever replica answers.
      for (let i = 0; i < 3; i++) assert.ok(matchesModel(await listFavorites(set.lbUrl)));

      // One more change, the newest of all: once a client has it, anything earlier has come
      // through the same Redis channel before it, so a late or repeated event would be there.
      const sentinel = ids[0]!;
      await write(sentinel, !(model.get(sentinel) ?? false));
      for (const [index, client] of clients.entries()) {
        await waitFor(
          () => {
            const seen = favoriteChanges(client, sentinel);
            return seen.length >= changes.get(sentinel)!.length &&
              seen.at(-1) === model.get(sentinel)
              ? true
              : undefined;
          },
          {
            timeoutMs: 30_000,
            intervalMs: 50,
            what: `replica ${index}'s client seeing the last change`,
          },
        );
      }
      const total = [...changes.values()].reduce((sum, list) => sum + list.length, 0);
      assert.ok(total > 100, `${total} of the toggles changed something`);
      const seen = clients.map((client) =>
        [...changes.keys()].reduce((sum, id) => sum + favoriteChanges(client, id).length, 0),
      );
      console.log(
        `# replicas-state: ${TOGGLES + 1} toggles, ${total} changes; media.updated seen by the client of each replica: ${seen.join(', ')}`,
      );
      for (const [index, client] of clients.entries()) {
        for (const [id, values] of changes) {
          assert.deepEqual(
            favoriteChanges(client, id),
            values,
            `replica ${index}: item ${id} announced once per change, in order, with the new value`,
          );
        }
      }
      for (const client of clients) client.ws.terminate();
    },
  );

  void it(
    'a session made through one replica works through the others; logging out through one ends it on all',
    { timeout: 60_000 },
    async () => {
      const response = await fetch(`${set.urls[0]}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: ADMIN, password: PASSWORD }),
      });
      assert.equal(response.status, 200);
      const session: Session = {
        cookie: cookieOf(response, 'spis_session'),
        csrf: ((await response.json()) as SessionInfo).csrfToken!,
      };
      for (const url of set.urls.slice(1)) {
        const info = (await (
          await fetch(`${url}/api/session`, { headers: as(session) })
        ).json()) as SessionInfo;
        assert.equal(info.user?.name, ADMIN, `the session is known on ${url}`);
        assert.equal((await fetch(`${url}/api/media`, { headers: as(session) })).status, 200);
      }
      // A change with the session's CSRF token, through another replica than the login.
      const id = ids[1]!;
      const value = !(model.get(id) ?? false);
      const changed = await toggle(set.urls[2]!, id, value, as(session));
      assert.equal(changed.status, 200);
      model.set(id, value);

      const out = await fetch(`${set.urls[1]}/api/session`, {
        method: 'DELETE',
        headers: as(session),
      });
      assert.equal(out.status, 204);
      for (const [index, url] of set.urls.entries()) {
        await waitFor(
          async () =>
            (await fetch(`${url}/api/media`, { headers: as(session) })).status === 401
              ? true
              : undefined,
          {
            timeoutMs: 5000,
            intervalMs: 50,
            what: `the ended session refused by replica ${index}`,
          },
        );
        const info = (await (
          await fetch(`${url}/api/session`, { headers: as(session) })
        ).json()) as SessionInfo;
        assert.equal(info.user, null);
      }
    },
  );

  /** Wrong passwords sent to the replicas in turn until one answers 429: how many were let through. */
  async function triesUntilThrottled(addresses: string[], username: () => string, limit: number) {
    const started = Date.now();
    for (let n = 0; n <= limit * 4; n++) {
      const base = set.urls[n % set.urls.length]!;
      const status = await loginFrom(
        base,
        addresses[n % addresses.length]!,
        username(),
        'not-the-password',
      );
      if (status === 429) return { allowed: n, elapsedMs: Date.now() - started };
      assert.equal(status, 401, `try ${n + 1}`);
    }
    assert.fail(`no 429 after ${limit * 4 + 1} tries: counted per replica?`);
  }

  void it(
    'login throttling counts across replicas, per address and per user name',
    { timeout: 90_000 },
    async () => {
      // Per address: unknown names (each its own per-user bucket), one address, replicas in turn.
      let unknown = 0;
      const address = await triesUntilThrottled(
        ['127.0.0.2'],
        () => `nobody-${unknown++}`,
        PER_ADDRESS.capacity,
      );
      // A token comes back every refill period: a slow machine may have earned one more try.
      const addressSlack = Math.floor(address.elapsedMs / PER_ADDRESS.refillMs);
      assert.ok(
        address.allowed >= PER_ADDRESS.capacity &&
          address.allowed <= PER_ADDRESS.capacity + addressSlack,
        `${address.allowed} tries from one address in ${address.elapsedMs} ms (limit ${PER_ADDRESS.capacity})`,
      );
      for (const url of set.urls)
        assert.equal(await loginFrom(url, '127.0.0.2', `nobody-${unknown++}`, 'x'), 429);
      assert.equal(
        await loginFrom(set.urls[0]!, '127.0.0.3', `nobody-${unknown++}`, 'x'),
        401,
        'another address is not throttled',
      );

      // Per user name: spread over addresses (5 tries each, under their own limit) and replicas.
      const addresses = Array.from({ length: 6 }, (_, i) => `127.0.0.${10 + i}`);
      const user = await triesUntilThrottled(addresses, () => ADMIN, PER_USER.capacity);
      const userSlack = Math.floor(user.elapsedMs / PER_USER.refillMs);
      assert.ok(
        user.allowed >= PER_USER.capacity && user.allowed <= PER_USER.capacity + userSlack,
        `${user.allowed} tries for one name in ${user.elapsedMs} ms (limit ${PER_USER.capacity})`,
      );
      // Even the right password waits now, on every replica, from a fresh address.
      for (const url of set.urls)
        assert.equal(await loginFrom(url, '127.0.0.20', ADMIN, PASSWORD), 429);
    },
  );

  void it(
    'Redis stopped: writes answer 503, reads go on, not ready; once it is back writes work everywhere and nothing is lost',
    { timeout: 90_000 },
    async () => {
      await convergedEverywhere('before the stop');
      await set.redis.stop();
      for (const [index, url] of set.urls.entries()) {
        await waitFor(
          async () => ((await fetch(`${url}/probe/ready`)).status === 503 ? true : undefined),
          {
            timeoutMs: 15_000,
            intervalMs: 100,
            what: `replica ${index} not ready without the store`,
          },
        );
      }
      for (const [index, url] of [...set.urls, set.lbUrl].entries()) {
        const id = ids[index]!;
        const refused = await toggle(url, id, !(model.get(id) ?? false));
        assert.equal(refused.status, 503, `write through ${url}`);
        const body = (await refused.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'unavailable');
        // Reads: from what the replica has, the marks as they were.
        assert.ok(
          matchesModel(await listFavorites(url)),
          `listing through ${url} while the store is away`,
        );
      }

      await set.redis.restart();
      for (const [index, url] of set.urls.entries()) {
        await waitFor(
          async () => ((await fetch(`${url}/probe/ready`)).status === 200 ? true : undefined),
          {
            timeoutMs: 30_000,
            intervalMs: 100,
            what: `replica ${index} ready again`,
          },
        );
      }
      // Nothing written before the stop is lost (the refused writes changed nothing).
      await convergedEverywhere('after the restart');
      for (const [index, url] of set.urls.entries()) {
        const id = ids[10 + index]!;
        const value = !(model.get(id) ?? false);
        const response = await toggle(url, id, value);
        assert.equal(response.status, 200, `a write through replica ${index} after the restart`);
        model.set(id, value);
      }
      await convergedEverywhere('the writes after the restart');
    },
  );
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { writeJpeg } from '../helpers/media.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';
import { connectEvents } from '../helpers/ws-client.js';

const ITEMS = 20;

void describe('marks shared by replicas through Redis', () => {
  let redis: RedisServer;
  let direct: Redis;
  let media: { dir: string; remove: () => Promise<void> };
  const servers: TestServer[] = [];
  let items: ApiItem[] = [];

  before(async () => {
    redis = await startRedisServer();
    direct = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    direct.on('error', () => {});
    await direct.connect();
    media = await tempDir('spis-shared-media-');
    // Distinct colours: distinct content, so every item has its own fingerprint.
    for (let i = 0; i < ITEMS; i++) {
      await writeJpeg(path.join(media.dir, `p${String(i).padStart(2, '0')}.jpg`), {
        color: `#${(i * 11 + 16).toString(16).padStart(2, '0')}4080`,
      });
    }
    for (let i = 0; i < 3; i++) {
      servers.push(
        await startTestServer({
          media: media.dir,
          config: { state: { store: redis.url }, watch: { enabled: false } },
        }),
      );
    }
    const page = await api<MediaPage>(servers[0]!, `/api/media?limit=100`);
    items = page.body.items;
    assert.equal(items.length, ITEMS);
  });
  after(async () => {
    for (const server of servers) await server.close();
    direct.disconnect();
    await redis.dispose();
    await media.remove();
  });

  const favorites = async (server: TestServer) =>
    (await api<MediaPage>(server, '/api/media?favorite=true&limit=100')).body.items
      .map((item) => item.path)
      .sort();

  void it('a favorite made on one replica reaches the listings and WebSocket clients of the others, with one event key', async () => {
    const [a, b, c] = servers as [TestServer, TestServer, TestServer];
    const item = items[0]!;
    const socket = await connectEvents(b.url);
    const keys: Array<string | undefined>[] = servers.map(() => []);
    const stops = servers.map((server, i) => {
      const listener = ({ item: changed, eventKey }: { item: ApiItem; eventKey?: string }) => {
        if (changed.id === item.id) keys[i]!.push(eventKey);
      };
      server.spis.bus.on('media.updated', listener);
      return () => server.spis.bus.off('media.updated', listener);
    });
    try {
      const put = await api<ApiItem>(a, `/api/media/${item.id}/favorite`, { method: 'PUT' });
      assert.equal(put.status, 200);
      assert.equal(put.body.favorite, true);
      await waitFor(async () => ((await favorites(b)).includes(item.path) ? true : undefined), {
        what: "B's listing to show the favorite",
      });
      await waitFor(async () => ((await favorites(c)).includes(item.path) ? true : undefined), {
        what: "C's listing to show the favorite",
      });
      const message = await socket.next(
        (m) => m.type === 'media.updated' && m.item.id === item.id,
        5000,
        'media.updated on B',
      );
      assert.ok(message.type === 'media.updated' && message.item.favorite === true);
      await waitFor(() => (keys.every((list) => list.length === 1) ? true : undefined), {
        what: 'one media.updated per replica',
      });
      const [key] = keys[0]!;
      assert.match(String(key), /^marks:\S+:\d+$/);
      assert.deepEqual(
        keys,
        [[key], [key], [key]],
        'every replica announces the change under the same key',
      );
      // Setting it again changes nothing and announces nothing.
      const again = await api<ApiItem>(b, `/api/media/${item.id}/favorite`, { method: 'PUT' });
      assert.equal(again.body.favorite, true);
      const status = await api<{ items: { favorites: number } }>(c, '/api/status');
      assert.equal(status.body.items.favorites, 1);
      assert.deepEqual(keys, [[key], [key], [key]]);
    } finally {
      for (const stop of stops) stop();
      socket.ws.terminate();
    }
  });

  void it('1,000 toggles from 10 clients over 3 replicas end in the sequential model on every replica', async () => {
    // Each client owns two items and sends its toggles one after another, so the order per
    // item is defined: the model is the last value sent per item and mark.
    const expected = new Map<string, { favorite: boolean; archived: boolean }>();
    for (const item of items)
      expected.set(item.id, { favorite: item.favorite, archived: item.archived });
    // Start from what the previous test left.
    expected.get(items[0]!.id)!.favorite = true;
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const plans = Array.from({ length: 10 }, (_, client) =>
      Array.from({ length: 100 }, () => ({
        item: items[client * 2 + Math.floor(random() * 2)]!,
        field: random() < 0.7 ? ('favorite' as const) : ('archived' as const),
        value: random() < 0.5,
      })),
    );
    let sent = 0;
    await Promise.all(
      plans.map(async (plan, client) => {
        for (const [i, step] of plan.entries()) {
          const server = servers[(client + i) % servers.length]!;
          const route = `/api/media/${step.item.id}/${step.field === 'favorite' ? 'favorite' : 'archive'}`;
          const response = await api<ApiItem>(server, route, {
            method: step.value ? 'PUT' : 'DELETE',
          });
          assert.equal(response.status, 200, JSON.stringify(response.body));
          assert.equal(response.body[step.field], step.value);
          expected.get(step.item.id)![step.field] = step.value;
          sent++;
        }
      }),
    );
    assert.equal(sent, 1000);
    const want = [...expected]
      .map(([id, marks]) => `${id}:${marks.favorite}:${marks.archived}`)
      .sort();
    const held = (server: TestServer) =>
      items
        .map((item) => {
          const record = server.spis.library.index.getById(item.id)!;
          const marks = server.spis.library.marksOf(record);
          return `${item.id}:${marks.favorite}:${marks.archived}`;
        })
        .sort();
    for (const [i, server] of servers.entries()) {
      await waitFor(() => (held(server).join() === want.join() ? true : undefined), {
        what: `replica ${i} to hold the model`,
        timeoutMs: 10_000,
      });
      // Listings leave archived items out unless asked for them.
      const listed = [
        ...(await api<MediaPage>(server, '/api/media?limit=100')).body.items,
        ...(await api<MediaPage>(server, '/api/media?limit=100&archived=true')).body.items,
      ];
      assert.deepEqual(
        listed.map((item) => `${item.id}:${item.favorite}:${item.archived}`).sort(),
        want,
      );
    }
    // Redis holds the same, in marks.json's shape.
    const stored = await direct.hgetall('spis:marks');
    const fromRedis = items
      .map((item) => {
        const record = servers[0]!.spis.library.index.getById(item.id)!;
        const mark = stored[record.fingerprint];
        const parsed = mark
          ? (JSON.parse(mark) as { favorite: boolean; archived: boolean; path: string })
          : { favorite: false, archived: false, path: item.path };
        assert.equal(parsed.path, item.path);
        return `${item.id}:${parsed.favorite}:${parsed.archived}`;
      })
      .sort();
    assert.deepEqual(fromRedis, want);
  });

  void it('while Redis is away a write answers 503 and changes nothing, reads go on; afterwards nothing is lost', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const item = items[5]!;
    const before = await api<ApiItem>(a, `/api/media/${item.id}`);
    const countsBefore = (
      await api<{ items: { favorites: number; archived: number } }>(a, '/api/status')
    ).body.items;
    await redis.stop();
    try {
      await waitFor(() => (a.spis.redis!.up ? undefined : true), {
        what: 'A to notice Redis is gone',
      });
      const refused = await api<{ error: { code: string; message: string } }>(
        a,
        `/api/media/${item.id}/favorite`,
        {
          method: before.body.favorite ? 'DELETE' : 'PUT',
        },
      );
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.equal(refused.body.error.code, 'unavailable');
      assert.match(refused.body.error.message, /state store is unreachable/);
      const listing = await api<MediaPage>(a, '/api/media?limit=100');
      assert.equal(listing.status, 200);
      assert.ok(listing.body.items.length > 0);
      const detail = await api<ApiItem>(a, `/api/media/${item.id}`);
      assert.equal(detail.status, 200);
      assert.equal(detail.body.favorite, before.body.favorite, 'nothing half-applied');
      assert.deepEqual((await api<{ items: unknown }>(a, '/api/status')).body.items, countsBefore);
    } finally {
      await redis.restart();
    }
    await waitFor(() => (servers.every((server) => server.spis.redis!.up) ? true : undefined), {
      what: 'every replica to reconnect',
      timeoutMs: 15_000,
    });
    assert.deepEqual(
      (await api<{ items: unknown }>(b, '/api/status')).body.items,
      countsBefore,
      'nothing written before was lost',
    );
    const flipped = await api<ApiItem>(a, `/api/media/${item.id}/favorite`, {
      method: before.body.favorite ? 'DELETE' : 'PUT',
    });
    assert.equal(flipped.status, 200);
    assert.equal(flipped.body.favorite, !before.body.favorite);
    await waitFor(
      () =>
        b.spis.library.marksOf(b.spis.library.index.getById(item.id)!).favorite ===
        !before.body.favorite
          ? true
          : undefined,
      { what: 'B to follow the change made after the outage' },
    );
  });

  void it('a replica whose subscription dropped reloads every mark it may have missed', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const item = items[9]!;
    const record = b.spis.library.index.getById(item.id)!;
    assert.equal(b.spis.library.marksOf(record).archived, false);
    const socket = await connectEvents(b.url);
    try {
      // Written behind the replicas' backs (nothing announced), then their subscriptions cut.
      await direct.hset(
        'spis:marks',
        record.fingerprint,
        JSON.stringify({ favorite: false, archived: true, path: record.path }),
      );
      await direct.hincrby('spis:marks:seq', record.fingerprint, 1);
      await direct.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      for (const server of [a, b]) {
        await waitFor(() => (server.spis.library.marksOf(record).archived ? true : undefined), {
          what: 'the reload after reconnecting',
          timeoutMs: 10_000,
        });
      }
      const message = await socket.next(
        (m) => m.type === 'media.updated' && m.item.id === item.id,
        5000,
        'the missed change announced',
      );
      assert.ok(message.type === 'media.updated' && message.item.archived === true);
    } finally {
      socket.ws.terminate();
    }
  });
});

void describe('marks follow a file edited in place on a shared folder', () => {
  void it('every replica carries the marks over to the new content, once in Redis', async () => {
    const redis = await startRedisServer();
    const media = await tempDir('spis-shared-media-');
    const direct = new Redis(redis.url);
    const servers: TestServer[] = [];
    try {
      const file = await writeJpeg(path.join(media.dir, 'edited.jpg'), { color: '#405060' });
      for (let i = 0; i < 2; i++)
        servers.push(
          await startTestServer({ media: media.dir, config: { state: { store: redis.url } } }),
        );
      const [a, b] = servers as [TestServer, TestServer];
      const item = (await api<MediaPage>(a, '/api/media')).body.items[0]!;
      assert.equal((await api(a, `/api/media/${item.id}/favorite`, { method: 'PUT' })).status, 200);
      const before = a.spis.library.index.getById(item.id)!.fingerprint;
      await writeJpeg(file, { color: '#a0b0c0', width: 80 });
      for (const server of servers) {
        await waitFor(
          () =>
            server.spis.library.index.getById(item.id)?.fingerprint !== before ? true : undefined,
          {
            what: 'the edit indexed',
            timeoutMs: 20_000,
          },
        );
      }
      const after = a.spis.library.index.getById(item.id)!.fingerprint;
      for (const server of [a, b]) {
        await waitFor(
          () =>
            server.spis.library.marksOf(server.spis.library.index.getById(item.id)!).favorite
              ? true
              : undefined,
          {
            what: 'the favorite carried over',
          },
        );
      }
      assert.deepEqual(Object.keys(await direct.hgetall('spis:marks')), [after]);
    } finally {
      for (const server of servers) await server.close();
      direct.disconnect();
      await redis.dispose();
      await media.remove();
    }
  });
});

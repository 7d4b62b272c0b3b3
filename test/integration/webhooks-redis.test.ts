import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { EventBus } from '../../server/events/bus.js';
import { createLogger } from '../../server/ops/logger.js';
import { RedisConnection } from '../../server/state/redis-connection.js';
import type { DeliverySettings } from '../../server/webhooks/dispatcher.js';
import { RedisOutbox } from '../../server/webhooks/redis-outbox.js';
import { RedisWebhookDispatcher } from '../../server/webhooks/redis-dispatcher.js';
import type { ApiItem } from '../../server/shared/api-types.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/spis.js';
import { startReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'redis-webhook-secret-0123456789';
const settings: DeliverySettings = {
  initialDelayMs: 50,
  maxDelayMs: 200,
  maxAgeMs: 60_000,
  timeoutMs: 2000,
  concurrency: 2,
  flushMs: 500,
};
const log = createLogger({ level: 'silent', format: 'json' });

/** Only what the event key and receivers look at; the rest of an item does not matter here. */
function item(id: string, version = 'v1'): ApiItem {
  return { id, version, favorite: false, archived: false, path: `${id}.jpg` } as ApiItem;
}

interface Replica {
  bus: EventBus;
  dispatcher: RedisWebhookDispatcher;
  connection: RedisConnection;
  close(): Promise<void>;
}

void describe('webhooks with a Redis state store (several replicas)', () => {
  let redis: RedisServer;
  let receiver: WebhookReceiver;
  let admin: Redis;
  let run = 0;
  const open: Replica[] = [];

  before(async () => {
    redis = await startRedisServer();
    receiver = await startReceiver(SECRET);
    admin = new Redis(redis.url);
  });
  after(async () => {
    await Promise.all(open.map((r) => r.close()));
    admin.disconnect();
    await receiver.close();
    await redis.dispose();
  });

  /** A replica's dispatcher over its own connection; `prefix` keeps each test's keys apart. */
  async function replica(
    prefix: string,
    extra: { visibilityMs?: number; start?: boolean } = {},
  ): Promise<Replica> {
    const connection = await RedisConnection.open(redis.url, { log });
    const bus = new EventBus();
    const dispatcher = new RedisWebhookDispatcher({
      bus,
      log,
      redis: connection,
      hooks: [{ url: receiver.url, secret: SECRET, events: ['*'] }],
      settings,
      sweepMs: 100,
      visibilityMs: extra.visibilityMs,
      outbox: { prefix },
    });
    if (extra.start !== false) await dispatcher.start();
    const r: Replica = {
      bus,
      dispatcher,
      connection,
      close: async () => {
        await dispatcher.close();
        await connection.close();
      },
    };
    open.push(r);
    return r;
  }

  const receivedFor = (prefix: string) =>
    receiver.received.filter((h) =>
      String(h.json.data.item ? (h.json.data.item as ApiItem).id : h.json.data.id).startsWith(
        prefix,
      ),
    );

  /** Nothing left to send anywhere: the stream and the retry schedule are empty and nothing is pending. */
  async function drained(prefix: string): Promise<void> {
    const outbox = new RedisOutbox(admin, { prefix });
    await waitFor(async () => ((await outbox.backlog()) === 0 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'an empty outbox',
    });
  }

  void it('sends an event every replica announces once, under one X-Spis-Delivery', async () => {
    const prefix = `t${++run}`;
    const replicas = await Promise.all([replica(prefix), replica(prefix), replica(prefix)]);
    const ids = Array.from({ length: 30 }, (_, i) => `${prefix}-item-${i}`);
    for (const id of ids) for (const r of replicas) r.bus.emit('media.added', { item: item(id) });
    // A new version of one file is a new event; the same version again is not.
    for (const r of replicas) r.bus.emit('media.updated', { item: item(ids[0]!, 'v2') });
    for (const r of replicas) r.bus.emit('media.added', { item: item(ids[1]!) });
    await waitFor(() => (receivedFor(prefix).length >= 31 ? true : undefined), {
      timeoutMs: 15_000,
      what: '31 deliveries',
    });
    await drained(prefix);
    const hooks = receivedFor(prefix);
    assert.equal(hooks.length, 31, 'one POST per event, none from the other replicas');
    assert.equal(new Set(hooks.map((h) => h.delivery)).size, 31);
    assert.ok(hooks.every((h) => h.signatureValid && h.json.id === h.delivery));
    assert.deepEqual(
      new Set(
        hooks.filter((h) => h.event === 'media.added').map((h) => (h.json.data.item as ApiItem).id),
      ),
      new Set(ids),
    );
    const sent = replicas.map((r) => r.dispatcher.status().delivered);
    assert.equal(
      sent.reduce((a, b) => a + b, 0),
      31,
      `deliveries shared between replicas: ${sent.join(', ')}`,
    );
  });

  void it('retries with the same delivery id and keeps dead letters visible on every replica', async () => {
    const prefix = `t${++run}`;
    const [a, b] = await Promise.all([replica(prefix), replica(prefix)]);
    const failuresLeft = new Map([[`${prefix}-flaky`, 2]]);
    receiver.respond = (hook) => {
      const id = String((hook.json.data.item as ApiItem | undefined)?.id ?? hook.json.data.id);
      if (id === `${prefix}-rejected`) return 400;
      const left = failuresLeft.get(id) ?? 0;
      if (left > 0) {
        failuresLeft.set(id, left - 1);
        return 503;
      }
      return 200;
    };
    try {
      for (const r of [a, b]) {
        r.bus.emit('media.added', { item: item(`${prefix}-flaky`) });
        r.bus.emit('media.removed', { id: `${prefix}-rejected`, path: 'gone.jpg', version: 'v1' });
      }
      await waitFor(() => (receivedFor(prefix).some((h) => h.status === 200) ? true : undefined), {
        timeoutMs: 15_000,
        what: 'the flaky delivery',
      });
      await drained(prefix);
      const flaky = receivedFor(`${prefix}-flaky`);
      assert.deepEqual(
        flaky.map((h) => h.status),
        [503, 503, 200],
        'two retries, then delivered',
      );
      assert.equal(
        new Set(flaky.map((h) => h.delivery)).size,
        1,
        'X-Spis-Delivery stays the same across retries',
      );
      const rejected = receivedFor(`${prefix}-rejected`);
      assert.equal(rejected.length, 1, 'a 4xx is not retried');
      assert.equal(
        rejected[0]!.json.data.version,
        undefined,
        'the version naming a removal stays inside',
      );
      for (const r of [a, b]) {
        const status = await waitFor(
          () => {
            const s = r.dispatcher.status();
            return s.deadLetters === 1 ? s : undefined;
          },
          { what: 'the dead letter on every replica' },
        );
        assert.equal(status.recentDeadLetters[0]!.id, rejected[0]!.delivery);
        assert.equal(status.recentDeadLetters[0]!.reason, 'receiver answered 400');
      }
    } finally {
      receiver.respond = () => 200;
    }
  });

  void it('takes over a delivery a replica read and never settled (it died)', async () => {
    const prefix = `t${++run}`;
    const outbox = new RedisOutbox(admin, { prefix });
    await outbox.open();
    const announcer = await replica(prefix, { start: false });
    announcer.bus.emit('media.added', { item: item(`${prefix}-orphan`) });
    await waitFor(async () => ((await outbox.backlog()) === 1 ? true : undefined), {
      what: 'the enqueued delivery',
    });
    const reader = new Redis(redis.url);
    try {
      const held = await outbox.read(reader, 'replica-that-died', 10, 100);
      assert.equal(held.length, 1, 'the dead replica holds the delivery');
    } finally {
      reader.disconnect();
    }
    const started = Date.now();
    await replica(prefix, { visibilityMs: 1000 });
    await waitFor(() => (receivedFor(prefix).length === 1 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the taken-over delivery',
    });
    assert.ok(
      Date.now() - started >= 800,
      'not before the visibility time: the holder might still be sending it',
    );
    await drained(prefix);
    assert.equal(receivedFor(prefix).length, 1);
  });

  void it('keeps events announced while Redis is away and sends them once it is back', async () => {
    const prefix = `t${++run}`;
    const r = await replica(prefix);
    await redis.stop();
    try {
      await waitFor(() => (r.connection.up ? undefined : true), { what: 'the outage noticed' });
      r.bus.emit('media.added', { item: item(`${prefix}-during-outage`) });
      assert.equal(r.dispatcher.status().pending >= 1, true, 'waiting in memory');
    } finally {
      await redis.restart();
    }
    await waitFor(() => (receivedFor(prefix).length === 1 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the delivery after the outage',
    });
    await drained(prefix);
    assert.equal(receivedFor(prefix).length, 1);
  });
});

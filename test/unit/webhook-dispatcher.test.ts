import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { EventBus } from '../../server/events/bus.js';
import { createLogger } from '../../server/ops/logger.js';
import type { Clock } from '../../server/webhooks/clock.js';
import { WebhookDispatcher, type DeliverySettings } from '../../server/webhooks/dispatcher.js';
import type { SendRequest } from '../../server/webhooks/sender.js';
import { verifySignature } from '../../server/webhooks/signature.js';
import { tempDir, waitFor } from '../helpers/spis.js';

const SECRET = 'unit-test-secret-0123456789';
const URL_A = 'http://receiver.test/hook';
const settings: DeliverySettings = { initialDelayMs: 1000, maxDelayMs: 4000, maxAgeMs: 60_000, timeoutMs: 500, concurrency: 2, flushMs: 1000 };
const log = createLogger({ level: 'silent', format: 'json' });

/** A clock that only moves when the test says so; due timers fire in order. */
class ManualClock implements Clock {
  private time = 1_700_000_000_000;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now = () => this.time;
  setTimeout(fn: () => void, ms: number) {
    const timer = { at: this.time + ms, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  advance(ms: number): void {
    this.time += ms;
    for (const timer of this.timers.filter((t) => t.live && t.at <= this.time).sort((a, b) => a.at - b.at)) {
      timer.live = false;
      timer.fn();
    }
    this.timers = this.timers.filter((t) => t.live);
  }
}

interface Harness {
  dispatcher: WebhookDispatcher;
  bus: EventBus;
  clock: ManualClock;
  calls: SendRequest[];
  dataDir: string;
}

/** `answers` is consumed per call; a function answer may throw (network error) or hang. */
function harness(dataDir: string, answer: (call: SendRequest, n: number) => Promise<number> | number, events = ['*'] as const): Harness {
  const bus = new EventBus();
  const clock = new ManualClock();
  const calls: SendRequest[] = [];
  const dispatcher = new WebhookDispatcher({
    bus,
    log,
    dataDir,
    hooks: [{ url: URL_A, secret: SECRET, events: [...events] }],
    settings,
    clock,
    random: () => 0.999999,
    send: async (call) => {
      calls.push(call);
      return { status: await answer(call, calls.length) };
    },
  });
  return { dispatcher, bus, clock, calls, dataDir };
}

const outbox = (dir: string) => readdir(path.join(dir, 'webhooks', 'outbox'));
const calls = (h: Harness, n: number) => waitFor(() => (h.calls.length >= n ? true : undefined), { what: `${n} send calls` });
const settled = (h: Harness) => waitFor(() => (h.dispatcher.status().inFlight === 0 ? true : undefined), { what: 'no send in flight' });

void describe('webhook dispatcher', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const step of cleanup) await step();
  });
  const dir = async () => {
    const temp = await tempDir('spis-webhook-unit-');
    cleanup.push(temp.remove);
    return temp.dir;
  };

  void it('retries with exponential backoff on the injected clock, same id, fresh signature', async () => {
    const h = harness(await dir(), (_call, n) => (n < 3 ? 503 : 200));
    await h.dispatcher.start();
    h.bus.emit('media.removed', { id: 'abc', path: 'x.jpg' });
    await calls(h, 1);
    await settled(h);
    h.clock.advance(999);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(h.calls.length, 1, 'not before the first backoff is over');
    h.clock.advance(1);
    await calls(h, 2);
    await settled(h);
    h.clock.advance(2000);
    await calls(h, 3);
    await waitFor(() => (h.dispatcher.status().delivered === 1 ? true : undefined));
    const ids = new Set(h.calls.map((c) => c.headers['x-spis-delivery']));
    assert.equal(ids.size, 1);
    for (const call of h.calls) {
      assert.ok(verifySignature(SECRET, call.headers['x-spis-timestamp']!, call.body, call.headers['x-spis-signature']));
      assert.equal(call.timeoutMs, settings.timeoutMs);
    }
    assert.deepEqual(JSON.parse(h.calls[0]!.body).data, { id: 'abc', path: 'x.jpg' });
    assert.equal(h.dispatcher.status().retries, 2);
    assert.deepEqual(await outbox(h.dataDir), []);
    await h.dispatcher.close();
  });

  void it('retries 408 and 429 and network errors, but gives up on 404 at once', async () => {
    const answers = [408, 429, 'boom', 200, 404];
    const h = harness(await dir(), (_call, n) => {
      const answer = answers[n - 1];
      if (answer === 'boom') throw new Error('connect ECONNREFUSED');
      return answer as number;
    });
    await h.dispatcher.start();
    h.bus.emit('media.removed', { id: 'one', path: 'one.jpg' });
    for (let n = 1; n <= 4; n++) {
      await calls(h, n);
      await settled(h);
      h.clock.advance(10_000);
    }
    await waitFor(() => (h.dispatcher.status().delivered === 1 ? true : undefined));
    h.bus.emit('media.removed', { id: 'two', path: 'two.jpg' });
    await waitFor(() => (h.dispatcher.status().failed === 1 ? true : undefined), { what: 'the 404 to fail' });
    assert.equal(h.calls.length, 5, 'the 404 was tried once');
    const status = h.dispatcher.status();
    assert.equal(status.deadLetters, 1);
    assert.equal(status.recentDeadLetters[0]?.reason, 'receiver answered 404');
    const [file] = await readdir(path.join(h.dataDir, 'webhooks', 'dead'));
    const letter = JSON.parse(await readFile(path.join(h.dataDir, 'webhooks', 'dead', file!), 'utf8')) as { body: string };
    assert.equal(JSON.parse(letter.body).data.id, 'two', 'the dead letter keeps the body for a manual replay');
    await h.dispatcher.close();
  });

  void it('gives up after the bounded lifetime and keeps a dead letter', async () => {
    const h = harness(await dir(), () => 500);
    await h.dispatcher.start();
    h.bus.emit('index.completed', { count: 3, firstIndex: true });
    // Attempts at 0, +1 s, +3 s, +7 s, +11 s, … each wait capped at 4 s, lifetime 60 s.
    for (let n = 1; h.dispatcher.status().failed === 0; n++) {
      assert.ok(n < 50, 'never gave up');
      await calls(h, n);
      await settled(h);
      h.clock.advance(4000);
    }
    const elapsed = h.calls.map((c) => Number(c.headers['x-spis-timestamp']) * 1000 - 1_700_000_000_000);
    assert.ok(elapsed.at(-1)! <= settings.maxAgeMs, 'no attempt past the lifetime');
    assert.equal(h.calls.length, 16, 'attempts at 0, 1, 3, 7 s and then every 4 s up to 59 s');
    assert.match(h.dispatcher.status().recentDeadLetters[0]!.reason, /^gave up after 16 attempts: receiver answered 500$/);
    assert.deepEqual(await outbox(h.dataDir), []);
    await h.dispatcher.close();
  });

  void it('survives a restart: deliveries left in the outbox are sent by the next dispatcher', async () => {
    const dataDir = await dir();
    const down = harness(dataDir, () => {
      throw new Error('connect ECONNREFUSED');
    });
    await down.dispatcher.start();
    down.bus.emit('media.removed', { id: 'kept', path: 'kept.jpg' });
    await calls(down, 1);
    await down.dispatcher.close();
    assert.equal((await outbox(dataDir)).length, 1, 'the delivery stays on disk');

    const up = harness(dataDir, () => 200);
    await up.dispatcher.start();
    await waitFor(() => (up.dispatcher.status().delivered === 1 ? true : undefined), { what: 'the resumed delivery' });
    assert.equal(up.calls[0]!.headers['x-spis-delivery'], down.calls[0]!.headers['x-spis-delivery']);
    assert.deepEqual(await outbox(dataDir), []);
    await up.dispatcher.close();
  });

  void it('still sends when the outbox folder cannot be used', async () => {
    const parent = await dir();
    const notAFolder = path.join(parent, 'file');
    await writeFile(notAFolder, 'in the way');
    const h = harness(notAFolder, () => 200);
    await assert.rejects(h.dispatcher.start());
    h.bus.emit('media.removed', { id: 'anyway', path: 'anyway.jpg' });
    await waitFor(() => (h.dispatcher.status().delivered === 1 ? true : undefined), { what: 'an in-memory delivery' });
    await h.dispatcher.close();
  });

  void it('close() flushes within its bound and leaves a hanging delivery on disk', async () => {
    const h = harness(await dir(), (call) => new Promise<number>((_resolve, reject) => call.signal?.addEventListener('abort', () => reject(new Error('aborted')))));
    await h.dispatcher.start();
    h.bus.emit('media.removed', { id: 'slow', path: 'slow.jpg' });
    await calls(h, 1);
    let closed = false;
    const closing = h.dispatcher.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(closed, false, 'close waits for the delivery in flight');
    h.clock.advance(settings.flushMs);
    await closing;
    assert.equal(h.calls[0]!.signal?.aborted, true, 'the hanging request was aborted');
    assert.equal((await outbox(h.dataDir)).length, 1, 'and left for the next start');
    h.bus.emit('media.removed', { id: 'late', path: 'late.jpg' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal((await outbox(h.dataDir)).length, 1, 'no events are taken after close');
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { WebhookConfig } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../ops/logger.js';
import type { RedisConnection } from '../state/redis-connection.js';
import { systemClock, type Clock } from './clock.js';
import {
  newDelivery,
  wantsEvent,
  type Delivery,
  type WebhookEvent,
} from './delivery.js';
import type { DeliverySettings, WebhookStatus } from './dispatcher.js';
import { deliveryIdOf, eventKeyOf, webhookData } from './event-key.js';
import { originOf, type DeadLetter } from './outbox-store.js';
import { RedisOutbox, type OutboxEntry, type RedisOutboxOptions } from './redis-outbox.js';
import { nextAttemptAt, type AttemptOutcome } from './retry-policy.js';
import { httpSender, type Sender } from './sender.js';
import { attemptDelivery, followWebhookEvents } from './attempt.js';

export interface RedisDispatcherOptions {
  bus: EventBus;
  log: Logger;
  redis: RedisConnection;
  hooks: readonly WebhookConfig[];
  settings: DeliverySettings;
  send?: Sender;
  clock?: Clock;
  random?: () => number;
  onOutcome?: (outcome: 'success' | 'retry' | 'failed') => void;
  /**
   * How long a delivery may stay with one replica unsettled before another takes it over.
   * Longer than one attempt can last (the send timeout), so a live replica is never robbed.
   */
  visibilityMs?: number;
  /** How often due retries are moved back, stalled deliveries taken over and the status refreshed. */
  sweepMs?: number;
  /** This replica's name in the consumer group. */
  consumer?: string;
  outbox?: RedisOutboxOptions;
}

interface Pending {
  key: string | null;
  deliveries: Delivery[];
}

/**
 * Webhooks for replicas that share a Redis / Valkey state store. Every replica sees the same
 * events (they index one shared media folder); each event is claimed in Redis under a key all
 * replicas derive alike, so only the first enqueues its deliveries. Deliveries then live in a
 * Redis stream read by all replicas as one consumer group: each is sent by one replica, taken
 * over by another if that replica dies before settling it, retried with the same backoff as
 * in files mode and buried in a shared, capped dead-letter list once given up.
 *
 * Exactly once per event; a delivery is sent again (same `X-Spis-Delivery`) only when the
 * replica sending it died between the receiver's answer and recording it.
 */
export class RedisWebhookDispatcher {
  private readonly outbox: RedisOutbox;
  private readonly clock: Clock;
  private readonly send: Sender;
  private readonly consumer: string;
  private readonly visibilityMs: number;
  private readonly sweepMs: number;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly inFlight = new Map<
    string,
    { controller: AbortController; delivery: Delivery }
  >();
  private readonly running = new Set<Promise<void>>();
  private unsent: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private reader: Redis | null = null;
  private readLoop: Promise<void> | null = null;
  private slotFreed: (() => void) | null = null;
  private sweepTimer: { cancel(): void } | null = null;
  private sweeping: Promise<void> | null = null;
  private lastForget = 0;
  private started = false;
  private stopped = false;
  private counts = { delivered: 0, retries: 0, failed: 0 };
  private shared: { backlog: number; deadLetters: number; recent: DeadLetter[] } = {
    backlog: 0,
    deadLetters: 0,
    recent: [],
  };
  private lastError: string | null = null;
  private outageLogged = false;
  private takeOverFailed = false;

  constructor(private readonly options: RedisDispatcherOptions) {
    this.outbox = new RedisOutbox(options.redis.client, options.outbox);
    this.clock = options.clock ?? systemClock;
    this.send = options.send ?? httpSender;
    this.consumer =
      options.consumer ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.visibilityMs =
      options.visibilityMs ?? Math.max(30_000, 2 * options.settings.timeoutMs + 5_000);
    this.sweepMs = options.sweepMs ?? 500;
    if (options.hooks.length > 0) this.subscribe();
  }

  /** Joins the consumer group and starts sending; deliveries left by stopped replicas are taken over. */
  async start(): Promise<void> {
    if (this.options.hooks.length === 0) return;
    await this.outbox.open();
    this.started = true;
    this.reader = this.options.redis.client.duplicate();
    this.reader.on('error', () => {}); // the shared connection logs outages; reads just retry
    this.readLoop = this.readForever();
    this.scheduleSweep(0);
  }

  private subscribe(): void {
    this.unsubscribe.push(followWebhookEvents(this.options.bus, (event, data) => this.enqueue(event, data)));
  }

  /** One delivery per interested webhook, enqueued unless another replica enqueued the event first. */
  enqueue(event: WebhookEvent, data: unknown): void {
    const key = eventKeyOf(event, data);
    const now = this.clock.now();
    const deliveries: Delivery[] = [];
    this.options.hooks.forEach((hook, index) => {
      if (!wantsEvent(hook, event)) return;
      const id = key === null ? randomUUID() : deliveryIdOf(key, index, hook.url);
      deliveries.push(newDelivery(id, event, hook.url, now, webhookData(event, data)));
    });
    if (deliveries.length === 0) return;
    this.unsent.push({ key, deliveries });
    void this.flush();
  }

  /**
   * Writes announced events to Redis in order. While Redis is away they wait here (in memory,
   * so a replica that also dies meanwhile loses them; its peers saw the same files) and go
   * out once it is back.
   */
  private flush(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        while (this.unsent.length > 0) {
          const next = this.unsent[0]!;
          const added = await this.outbox.enqueue(next.key, next.deliveries);
          this.unsent.shift();
          if (added) this.shared.backlog += next.deliveries.length;
        }
        this.outageLogged = false;
      } catch (error) {
        if (!this.outageLogged) {
          this.outageLogged = true;
          this.options.log.warn(
            { err: (error as Error).message, waiting: this.unsent.length },
            'webhook events wait for the state store',
          );
        }
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  private async readForever(): Promise<void> {
    while (!this.stopped) {
      const free = this.options.settings.concurrency - this.inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      let entries: OutboxEntry[];
      try {
        entries = await this.outbox.read(this.reader!, this.consumer, free, 1000);
      } catch {
        if (this.stopped) return;
        await new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), 1000));
        continue;
      }
      for (const entry of entries) this.begin(entry);
    }
  }

  private scheduleSweep(ms: number): void {
    if (this.stopped) return;
    this.sweepTimer = this.clock.setTimeout(() => {
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = null;
        this.scheduleSweep(this.sweepMs);
      });
    }, ms);
  }

  /** Due retries back into the stream, stalled deliveries taken over, shared figures refreshed. */
  private async sweep(): Promise<void> {
    try {
      if (this.unsent.length > 0) await this.flush();
      const now = this.clock.now();
      await this.outbox.promoteDue(now);
      const free = this.options.settings.concurrency - this.inFlight.size;
      if (free > 0) {
        const taken = await this.outbox
          .takeOver(this.consumer, this.visibilityMs, free)
          .catch((error: Error) => {
            // XAUTOCLAIM needs Redis 6.2: say so once rather than stall the rest of the sweep.
            if (this.connected() && !this.takeOverFailed) {
              this.takeOverFailed = true;
              this.options.log.error(
                { err: error.message },
                'cannot take over stalled webhook deliveries (Redis 6.2 or later, or Valkey, is needed)',
              );
            }
            return [];
          });
        for (const entry of taken) {
          if (this.inFlight.has(entry.entry)) continue;
          this.options.log.info(
            { delivery: entry.delivery.id, event: entry.delivery.event },
            'took over a webhook delivery left unsettled by another replica',
          );
          this.begin(entry);
        }
      }
      const [backlog, dead] = await Promise.all([this.outbox.backlog(), this.outbox.deadLetters()]);
      this.shared = { backlog, deadLetters: dead.count, recent: dead.recent };
      if (now - this.lastForget > 60_000) {
        this.lastForget = now;
        await this.outbox.forgetIdleConsumers(24 * 3_600_000, this.consumer);
      }
    } catch {
      // The store is away: the connection logs it; the next sweep tries again.
    }
  }

  private connected(): boolean {
    return this.options.redis.up;
  }

  private begin({ entry, delivery }: OutboxEntry): void {
    const controller = new AbortController();
    this.inFlight.set(entry, { controller, delivery });
    const run = this.attempt(entry, delivery, controller.signal).finally(() => {
      this.inFlight.delete(entry);
      this.running.delete(run);
      const wake = this.slotFreed;
      this.slotFreed = null;
      wake?.();
    });
    this.running.add(run);
  }

  private async attempt(entry: string, delivery: Delivery, signal: AbortSignal): Promise<void> {
    const outcome = await this.tryOnce(delivery, signal);
    try {
      if (this.stopped && outcome.kind !== 'delivered') {
        await this.outbox.release(entry, delivery); // shutting down: another replica sends it now
        return;
      }
      await this.settle(entry, delivery, outcome);
    } catch (error) {
      // Left pending in the group: taken over (and sent again, same id) after the visibility time.
      this.options.log.error(
        { err: (error as Error).message, delivery: delivery.id },
        'webhook outbox update failed',
      );
    }
  }

  private tryOnce(delivery: Delivery, signal: AbortSignal): Promise<AttemptOutcome> {
    const { hooks, settings } = this.options;
    return attemptDelivery(delivery, { hooks, send: this.send, now: this.clock.now(), timeoutMs: settings.timeoutMs }, signal);
  }

  private async settle(entry: string, delivery: Delivery, outcome: AttemptOutcome): Promise<void> {
    const now = this.clock.now();
    if (outcome.kind === 'delivered') {
      await this.outbox.delivered(entry);
      this.counts.delivered++;
      this.options.onOutcome?.('success');
      return;
    }
    const failures = delivery.failures + 1;
    const next =
      outcome.kind === 'retry'
        ? nextAttemptAt(
            delivery.createdAt,
            failures,
            now,
            this.options.settings,
            this.options.random,
          )
        : null;
    this.lastError = `${originOf(delivery.url)}: ${outcome.reason}`;
    const updated: Delivery = {
      ...delivery,
      failures,
      lastError: outcome.reason,
      nextAttemptAt: next ?? now,
    };
    if (next !== null) {
      await this.outbox.retryAt(entry, updated, next);
      this.counts.retries++;
      this.options.onOutcome?.('retry');
      return;
    }
    const reason =
      outcome.kind === 'retry'
        ? `gave up after ${failures} attempts: ${outcome.reason}`
        : outcome.reason;
    this.options.log.warn(
      { delivery: delivery.id, event: delivery.event, target: originOf(delivery.url), reason },
      'webhook delivery failed',
    );
    const letter = await this.outbox.bury(entry, updated, reason, now);
    this.shared.recent = [letter, ...this.shared.recent].slice(0, 10);
    this.shared.deadLetters++;
    this.counts.failed++;
    this.options.onOutcome?.('failed');
  }

  /**
   * `pending` and the dead letters are the installation's (all replicas, as of the last
   * sweep); `inFlight` and the counters are this replica's.
   */
  status(): WebhookStatus {
    return {
      configured: this.options.hooks.length,
      pending: this.shared.backlog + this.unsent.reduce((sum, p) => sum + p.deliveries.length, 0),
      inFlight: this.inFlight.size,
      ...this.counts,
      deadLetters: this.shared.deadLetters,
      recentDeadLetters: this.shared.recent,
      lastError: this.lastError,
    };
  }

  /**
   * Stops taking events, lets attempts in flight finish for up to `flushMs`, then aborts them;
   * unsettled deliveries are handed back to the group for the other replicas at once.
   */
  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    const flushed = this.flush();
    let deadline: { cancel(): void } | null = null;
    const timedOut = new Promise<void>(
      (resolve) => (deadline = this.clock.setTimeout(resolve, this.options.settings.flushMs)),
    );
    await Promise.race([Promise.allSettled([flushed, ...this.running]), timedOut]);
    (deadline as { cancel(): void } | null)?.cancel();
    this.stopped = true;
    this.sweepTimer?.cancel();
    for (const { controller } of this.inFlight.values()) controller.abort();
    this.slotFreed?.();
    this.reader?.disconnect();
    await Promise.allSettled([...this.running, this.readLoop, this.sweeping]);
    if (this.unsent.length > 0 && this.started) {
      this.options.log.warn(
        { events: this.unsent.length },
        'webhook events not written to the state store before shutdown',
      );
    }
  }
}

import { randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../ops/logger.js';
import { systemClock, type Clock } from './clock.js';
import { newDelivery, wantsEvent, type Delivery, type WebhookEvent } from './delivery.js';
import { OutboxStore, originOf, type DeadLetter } from './outbox-store.js';
import { nextAttemptAt, type AttemptOutcome, type RetryPolicy } from './retry-policy.js';
import { httpSender, type Sender } from './sender.js';
import { attemptDelivery, followWebhookEvents } from './attempt.js';
import { SerialWriter } from '../util/atomic-write.js';
import { BatchLedger } from './batch-ledger.js';
import { webhookData } from './event-key.js';

export interface DeliverySettings extends RetryPolicy {
  timeoutMs: number;
  concurrency: number;
  /** How long `close()` keeps sending due deliveries before leaving the rest on disk. */
  flushMs: number;
}

export interface DispatcherOptions {
  bus: EventBus;
  log: Logger;
  dataDir: string;
  hooks: readonly WebhookConfig[];
  settings: DeliverySettings;
  send?: Sender;
  clock?: Clock;
  random?: () => number;
  newId?: () => string;
  /** Told the result of every attempt (for metrics). */
  onOutcome?: (outcome: 'success' | 'retry' | 'failed') => void;
}

export interface WebhookStatus {
  configured: number;
  pending: number;
  inFlight: number;
  delivered: number;
  retries: number;
  failed: number;
  deadLetters: number;
  recentDeadLetters: DeadLetter[];
  lastError: string | null;
}

/**
 * Turns bus events into signed webhook deliveries. Each delivery is written to the outbox
 * before it is attempted; a small pool sends due deliveries in the background, so indexing
 * and requests never wait on a receiver. Retries back off exponentially within a bounded
 * lifetime; given-up deliveries become dead letters, kept on disk and shown in the status.
 */
export class WebhookDispatcher {
  private readonly store: OutboxStore;
  private readonly clock: Clock;
  private readonly send: Sender;
  private readonly queue: Delivery[] = [];
  private readonly inFlight = new Map<string, AbortController>();
  /**
   * New deliveries wait here for the next batch write. Writes run one at a time, so whatever
   * arrives during a write goes out in the next one: a thousand files arriving at once cost a
   * few fsyncs, not a thousand.
   */
  private unsaved: Delivery[] = [];
  private saveScheduled = false;
  private saving = 0;
  private readonly writer = new SerialWriter();
  private readonly ledger = new BatchLedger();
  private readonly running = new Set<Promise<void>>();
  private readonly unsubscribe: Array<() => void> = [];
  private opened: Promise<void> | null = null;
  private dead: DeadLetter[] = [];
  private timer: { cancel(): void; at: number } | null = null;
  private idleWaiters: Array<() => void> = [];
  private started = false;
  private stopped = false;
  private counts = { delivered: 0, retries: 0, failed: 0 };
  private lastError: string | null = null;

  constructor(private readonly options: DispatcherOptions) {
    this.store = new OutboxStore(options.dataDir);
    this.clock = options.clock ?? systemClock;
    this.send = options.send ?? httpSender;
    if (options.hooks.length > 0) this.subscribe();
  }

  /** Opens the outbox, picks up deliveries left by an earlier run and starts sending. */
  async start(): Promise<void> {
    try {
      await this.open();
    } finally {
      // Even without a usable outbox folder, events of this run are still worth sending.
      this.started = true;
      this.pump();
    }
  }

  private open(): Promise<void> {
    this.opened ??= (async () => {
      await this.store.open();
      const { batches, corrupt } = await this.store.load();
      if (corrupt > 0) this.options.log.warn({ corrupt }, 'webhook outbox held unreadable batches; moved aside');
      let resumed = 0;
      for (const { name, deliveries } of batches) {
        this.ledger.track(name, deliveries.map((d) => d.id));
        for (const delivery of deliveries) this.queue.push({ ...delivery, nextAttemptAt: Math.min(delivery.nextAttemptAt, this.clock.now()) });
        resumed += deliveries.length;
      }
      if (resumed > 0) this.options.log.info({ pending: resumed }, 'resuming webhook deliveries from the outbox');
      this.dead = await this.store.deadLetters();
    })();
    return this.opened;
  }

  private subscribe(): void {
    this.unsubscribe.push(followWebhookEvents(this.options.bus, (event, data) => this.enqueue(event, data)));
  }

  /** Creates one delivery per interested webhook; synchronous for the emitter. */
  enqueue(event: WebhookEvent, data: unknown): void {
    const now = this.clock.now();
    for (const hook of this.options.hooks) {
      if (!wantsEvent(hook, event)) continue;
      this.unsaved.push(newDelivery(this.options.newId?.() ?? randomUUID(), event, hook.url, now, webhookData(event, data)));
    }
    if (this.unsaved.length === 0 || this.saveScheduled) return;
    this.saveScheduled = true;
    void this.writer.run(() => this.saveUnsaved());
  }

  private async saveUnsaved(): Promise<void> {
    this.saveScheduled = false;
    const batch = this.unsaved;
    this.unsaved = [];
    this.saving = batch.length;
    try {
      await this.open();
      this.ledger.track(await this.store.addBatch(batch, this.clock.now()), batch.map((d) => d.id));
    } catch (error) {
      // Still worth trying to send; only the crash safety is lost for these.
      this.options.log.error({ err: (error as Error).message, deliveries: batch.length }, 'could not write webhook deliveries to the outbox');
    }
    this.saving = 0;
    this.queue.push(...batch);
    this.pump();
  }

  /** A delivery is settled (delivered or dead): its batch file goes once all of it is. */
  private async release(delivery: Delivery): Promise<void> {
    const emptied = this.ledger.settle(delivery.id);
    if (emptied !== null) await this.store.removeBatch(emptied);
  }

  /** Starts as many due deliveries as the pool allows, then sleeps until the next one is due. */
  private pump(): void {
    if (!this.started || this.stopped) return;
    const now = this.clock.now();
    while (this.inFlight.size < this.options.settings.concurrency) {
      const index = this.nextDueIndex(now);
      if (index < 0) break;
      const [delivery] = this.queue.splice(index, 1);
      const run = this.attempt(delivery!).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
    this.scheduleWake(now);
    this.notifyIfIdle(now);
  }

  private nextDueIndex(now: number): number {
    let best = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const at = this.queue[i]!.nextAttemptAt;
      if (at <= now && (best < 0 || at < this.queue[best]!.nextAttemptAt)) best = i;
    }
    return best;
  }

  private scheduleWake(now: number): void {
    let earliest = Infinity;
    for (const delivery of this.queue) earliest = Math.min(earliest, delivery.nextAttemptAt);
    if (this.timer && this.timer.at === earliest) return;
    this.timer?.cancel();
    this.timer = null;
    if (earliest === Infinity || this.inFlight.size >= this.options.settings.concurrency) return;
    const handle = this.clock.setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(0, earliest - now));
    this.timer = { cancel: () => handle.cancel(), at: earliest };
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const controller = new AbortController();
    this.inFlight.set(delivery.id, controller);
    try {
      const outcome = await this.tryOnce(delivery, controller.signal);
      if (this.stopped && outcome.kind !== 'delivered') return; // shutting down: the outbox keeps it
      await this.settle(delivery, outcome);
    } catch (error) {
      this.options.log.error({ err: (error as Error).message, delivery: delivery.id }, 'webhook outbox update failed');
    } finally {
      this.inFlight.delete(delivery.id);
    }
  }

  private tryOnce(delivery: Delivery, signal: AbortSignal): Promise<AttemptOutcome> {
    const { hooks, settings } = this.options;
    return attemptDelivery(delivery, { hooks, send: this.send, now: this.clock.now(), timeoutMs: settings.timeoutMs }, signal);
  }

  private async settle(delivery: Delivery, outcome: AttemptOutcome): Promise<void> {
    const now = this.clock.now();
    if (outcome.kind !== 'delivered') delivery.failures++;
    const next =
      outcome.kind === 'retry' ? nextAttemptAt(delivery.createdAt, delivery.failures, now, this.options.settings, this.options.random) : null;
    this.options.onOutcome?.(outcome.kind === 'delivered' ? 'success' : next === null ? 'failed' : 'retry');
    if (outcome.kind === 'delivered') {
      await this.release(delivery);
      this.counts.delivered++; // after the outbox caught up, so status and disk agree
      return;
    }
    delivery.lastError = outcome.reason;
    this.lastError = `${originOf(delivery.url)}: ${outcome.reason}`;
    if (next !== null) {
      this.counts.retries++;
      delivery.nextAttemptAt = next;
      this.queue.push(delivery);
      return;
    }
    const reason = outcome.kind === 'retry' ? `gave up after ${delivery.failures} attempts: ${outcome.reason}` : outcome.reason;
    this.options.log.warn({ delivery: delivery.id, event: delivery.event, target: originOf(delivery.url), reason }, 'webhook delivery failed');
    try {
      this.dead.unshift(await this.store.bury(delivery, reason, now));
    } finally {
      this.counts.failed++; // with the dead letter, so status never disagrees with itself
    }
    await this.release(delivery);
    await this.store.prune(this.dead);
  }

  status(): WebhookStatus {
    return {
      configured: this.options.hooks.length,
      pending: this.queue.length + this.inFlight.size + this.unsaved.length + this.saving,
      inFlight: this.inFlight.size,
      ...this.counts,
      deadLetters: this.dead.length,
      recentDeadLetters: this.dead.slice(0, 10),
      lastError: this.lastError,
    };
  }

  /** Resolves once nothing is being written or sent and nothing queued is due. */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.notifyIfIdle(this.clock.now());
    });
  }

  private notifyIfIdle(now: number): void {
    if (this.idleWaiters.length === 0 || this.unsaved.length + this.saving > 0 || this.inFlight.size > 0) return;
    if (this.started && !this.stopped && this.nextDueIndex(now) >= 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * Stops taking events, keeps sending what is due for up to `flushMs`, then aborts what is
   * still in flight. Whatever was not delivered stays in the outbox for the next start.
   */
  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    let deadline: { cancel(): void } | null = null;
    await Promise.race([
      this.writer.idle().then(() => this.idle()),
      new Promise<void>((resolve) => (deadline = this.clock.setTimeout(resolve, this.options.settings.flushMs))),
    ]);
    (deadline as { cancel(): void } | null)?.cancel();
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    for (const controller of this.inFlight.values()) controller.abort();
    await Promise.allSettled([...this.running, this.writer.idle()]);
  }
}

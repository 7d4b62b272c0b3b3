import type { Redis } from 'ioredis';
import type { Logger } from '../ops/logger.js';
import type { RedisConnection } from './redis-connection.js';

type MessageListener = (message: string) => void;

/**
 * The replica's one subscribed connection: other replicas announce their changes on Redis
 * pub/sub channels, and every part holding an in-memory copy listens here. Pub/sub drops
 * what is published while a subscriber is disconnected, so after each reconnection (once
 * the subscriptions are confirmed again) every `onResync` listener reloads its whole copy.
 */
export class StateChannel {
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, Set<MessageListener>>();
  private readonly resyncs = new Set<() => Promise<void>>();
  private connectedOnce = false;
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly log: Logger,
  ) {
    this.subscriber = connection.subscriber();
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener(message);
    });
    this.subscriber.on('ready', () => {
      if (!this.connectedOnce) {
        this.connectedOnce = true;
        return;
      }
      void this.resync();
    });
  }

  /** Subscribes (resolves once Redis confirmed it, so nothing published after is missed). */
  async listen(channel: string, listener: MessageListener): Promise<void> {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    await this.subscriber.subscribe(channel);
  }

  /** Called after every reconnection of the subscriber, to reload what may have been missed. */
  onResync(reload: () => Promise<void>): void {
    this.resyncs.add(reload);
  }

  /** Publishes from outside a script (scripts publish themselves, atomically with the write). */
  publish(channel: string, message: string): Promise<number> {
    return this.connection.run('publish', (client) => client.publish(channel, message));
  }

  private async resync(): Promise<void> {
    // The command connection may come back a little after this one: retry until it has.
    for (let attempt = 1; !this.closed && this.subscriber.status === 'ready'; attempt++) {
      try {
        const channels = [...this.listeners.keys()];
        if (channels.length > 0) await this.subscriber.subscribe(...channels);
        await Promise.all([...this.resyncs].map((reload) => reload()));
        this.log.info(
          { parts: this.resyncs.size },
          'state store re-synchronised after reconnecting',
        );
        return;
      } catch (error) {
        if (attempt === 1)
          this.log.warn(
            { err: (error as Error).message },
            'state store re-synchronisation failed; retrying',
          );
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 2000)));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.resyncs.clear();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}

import { Redis, ReplyError } from 'ioredis';
import type { Logger } from '../ops/logger.js';
import { describeStoreUrl } from './store-setting.js';
import { storeUnavailable } from './store-errors.js';

/** What each store operation reports, for metrics: its name, duration and whether it failed. */
export type StoreObserver = (operation: string, seconds: number, failed: boolean) => void;

export interface RedisConnectionOptions {
  log: Logger;
  /** How long the first connection may take before start-up fails. */
  connectTimeoutMs?: number;
}

/**
 * The connection to the shared state store. Commands fail at once while Redis is away (no
 * offline queue), so a write is answered 503 instead of hanging or being applied later
 * behind the caller's back; the client reconnects by itself and every change of state is
 * logged once.
 */
export class RedisConnection {
  private isUp = false;
  private readonly listeners = new Set<(up: boolean) => void>();
  /** Set by the composition root to time operations and count failures. */
  observe: StoreObserver = () => {};

  private constructor(
    readonly client: Redis,
    readonly shownUrl: string,
    private readonly log: Logger,
  ) {
    client.on('ready', () => this.setUp(true));
    client.on('close', () => this.setUp(false));
    // ioredis reports every failed reconnect attempt; the state change above is what is logged.
    client.on('error', () => {});
  }

  /** Connects and checks the server, or throws a message fit for the operator. */
  static async open(
    url: string,
    { log, connectTimeoutMs = 10_000 }: RedisConnectionOptions,
  ): Promise<RedisConnection> {
    const shown = describeStoreUrl(url);
    const client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: connectTimeoutMs,
      // Back off up to 2 s between attempts, forever: the store coming back must be noticed.
      retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    });
    client.on('error', () => {}); // the first connection's failure is reported by connect()
    let version: [number, number] | null;
    try {
      await client.connect();
      version = serverVersion(await client.info('server'));
    } catch (error) {
      client.disconnect();
      throw new Error(
        `state store ${shown} is unreachable: ${(error as Error).message}. Start Redis or Valkey there, or set state.store to "files"`,
        {
          cause: error,
        },
      );
    }
    // Webhook takeover needs XAUTOCLAIM, which came with Redis 6.2.
    if (version !== null && (version[0] < 6 || (version[0] === 6 && version[1] < 2))) {
      client.disconnect();
      throw new Error(`state store ${shown} runs Redis ${version.join('.')}: spis needs Redis 6.2 or later, or Valkey`);
    }
    const connection = new RedisConnection(client, shown, log);
    connection.isUp = true;
    log.info({ store: shown }, 'state store connected');
    return connection;
  }

  get up(): boolean {
    return this.isUp;
  }

  /** Called with the new state each time the store goes away or comes back. */
  onChange(listener: (up: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A second connection for subscriptions (a subscribed connection can send nothing else). */
  subscriber(): Redis {
    const client = this.client.duplicate({ enableOfflineQueue: true });
    client.on('error', () => {});
    return client;
  }

  /**
   * Runs one store operation, timed. A failure to reach the store becomes a 503
   * (storeUnavailable); an error Redis answered (a bug, a wrong type) stays what it is.
   */
  async run<T>(operation: string, task: (client: Redis) => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await task(this.client);
      this.observe(operation, seconds(), false);
      return result;
    } catch (error) {
      this.observe(operation, seconds(), true);
      if (error instanceof ReplyError) throw error;
      throw storeUnavailable();
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private setUp(up: boolean): void {
    if (up === this.isUp) return;
    this.isUp = up;
    if (up) this.log.info({ store: this.shownUrl }, 'state store reconnected');
    else
      this.log.warn(
        { store: this.shownUrl },
        'state store connection lost: writes answer 503 until it is back',
      );
    for (const listener of this.listeners) listener(up);
  }
}

/** Major.minor version from `INFO server` (Valkey also reports a Redis-compatible version). */
export function serverVersion(info: string): [major: number, minor: number] | null {
  const match = /^redis_version:(\d+)\.(\d+)/m.exec(info);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

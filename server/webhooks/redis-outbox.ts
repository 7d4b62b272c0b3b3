import type { Redis } from 'ioredis';
import { isDelivery, type Delivery } from './delivery.js';
import { deadLetterOf, type DeadLetter } from './outbox-store.js';

export interface RedisOutboxOptions {
  /** Key prefix shared by every replica of one installation. */
  prefix?: string;
  /** How long an event key stays claimed: a replica that sees the event later sends nothing. */
  claimTtlMs?: number;
  maxDeadLetters?: number;
}

/** A delivery as read from the stream: `entry` is its stream id, needed to settle it. */
export interface OutboxEntry {
  entry: string;
  delivery: Delivery;
}

const GROUP = 'senders';

/**
 * Claims an event key and adds its deliveries in one step: the first replica to announce an
 * event enqueues it, the others find the key taken. A crash can never leave a claim without
 * its deliveries, nor deliveries without their claim.
 */
const ENQUEUE = `
if KEYS[1] ~= '' then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
end
for i = 2, #ARGV do redis.call('XADD', KEYS[2], '*', 'd', ARGV[i]) end
return 1`;

/** Moves retries that are due back into the stream, once each whichever replica runs it. */
const PROMOTE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local body = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  if body then redis.call('XADD', KEYS[3], '*', 'd', body) end
end
return #ids`;

/**
 * The webhook outbox in Redis / Valkey, shared by every replica:
 * - `<prefix>:stream`: deliveries ready to send, a consumer group whose consumers are the
 *   replicas (XREADGROUP hands each entry to one of them; it stays pending until settled, and
 *   XAUTOCLAIM gives it to another replica if its holder went silent past the visibility time);
 * - `<prefix>:retry` + `<prefix>:retry-body`: deliveries waiting for their next attempt
 *   (sorted by due time; the member is the delivery id, so a retry is scheduled once even if
 *   two replicas settled the same attempt);
 * - `<prefix>:dead`: given-up deliveries, newest first, capped;
 * - `<prefix>:claim:<event key>`: which events were already enqueued.
 * Every settlement is one MULTI, so a crash leaves a delivery either pending or settled.
 */
export class RedisOutbox {
  readonly keys: {
    stream: string;
    retry: string;
    retryBody: string;
    dead: string;
    claimPrefix: string;
  };
  private readonly claimTtlMs: number;
  private readonly maxDeadLetters: number;

  constructor(
    private readonly client: Redis,
    {
      prefix = 'spis:webhooks',
      claimTtlMs = 7 * 24 * 3_600_000,
      maxDeadLetters = 500,
    }: RedisOutboxOptions = {},
  ) {
    this.keys = {
      stream: `${prefix}:stream`,
      retry: `${prefix}:retry`,
      retryBody: `${prefix}:retry-body`,
      dead: `${prefix}:dead`,
      claimPrefix: `${prefix}:claim:`,
    };
    this.claimTtlMs = claimTtlMs;
    this.maxDeadLetters = maxDeadLetters;
  }

  /** Creates the stream and its consumer group unless another replica already did. */
  async open(): Promise<void> {
    try {
      await this.client.call('XGROUP', 'CREATE', this.keys.stream, GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
    }
  }

  /** Adds deliveries unless `eventKey` was claimed before (null: always added). True if added. */
  async enqueue(eventKey: string | null, deliveries: readonly Delivery[]): Promise<boolean> {
    const claim = eventKey === null ? '' : this.keys.claimPrefix + eventKey;
    const added = await this.client.eval(
      ENQUEUE,
      2,
      claim,
      this.keys.stream,
      String(this.claimTtlMs),
      ...deliveries.map((d) => JSON.stringify(d)),
    );
    return added === 1;
  }

  /** New entries for `consumer`, waiting up to `blockMs` (on a connection of its own). */
  async read(
    reader: Redis,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<OutboxEntry[]> {
    const reply = (await reader.call(
      'XREADGROUP',
      'GROUP',
      GROUP,
      consumer,
      'COUNT',
      String(count),
      'BLOCK',
      String(blockMs),
      'STREAMS',
      this.keys.stream,
      '>',
    )) as unknown[] | null;
    // One stream asked for: [[stream, entries]], which some client versions flatten to [stream, entries].
    if (!reply || reply.length === 0) return [];
    const first = typeof reply[0] === 'string' ? reply : (reply[0] as unknown[]);
    return this.parse((first[1] ?? []) as RawEntry[]);
  }

  /** Entries another consumer held longer than `minIdleMs` without settling them, now ours. */
  async takeOver(consumer: string, minIdleMs: number, count: number): Promise<OutboxEntry[]> {
    const reply = (await this.client.call(
      'XAUTOCLAIM',
      this.keys.stream,
      GROUP,
      consumer,
      String(minIdleMs),
      '0-0',
      'COUNT',
      String(count),
    )) as [string, Array<RawEntry | null>];
    return this.parse(reply[1].filter((entry): entry is RawEntry => entry !== null));
  }

  async delivered(entry: string): Promise<void> {
    await this.client
      .multi()
      .xack(this.keys.stream, GROUP, entry)
      .xdel(this.keys.stream, entry)
      .exec()
      .then(failedIfAny);
  }

  /** Out of the stream, into the retry schedule, in one step. */
  async retryAt(entry: string, delivery: Delivery, at: number): Promise<void> {
    await this.client
      .multi()
      .hset(this.keys.retryBody, delivery.id, JSON.stringify(delivery))
      .zadd(this.keys.retry, at, delivery.id)
      .xack(this.keys.stream, GROUP, entry)
      .xdel(this.keys.stream, entry)
      .exec()
      .then(failedIfAny);
  }

  /** Gives a delivery up: kept in the dead list (with its body, for a replay by hand). */
  async bury(entry: string, delivery: Delivery, reason: string, now: number): Promise<DeadLetter> {
    const letter = deadLetterOf(delivery, reason, now);
    await this.client
      .multi()
      .lpush(this.keys.dead, JSON.stringify({ ...letter, url: delivery.url, body: delivery.body }))
      .ltrim(this.keys.dead, 0, this.maxDeadLetters - 1)
      .xack(this.keys.stream, GROUP, entry)
      .xdel(this.keys.stream, entry)
      .exec()
      .then(failedIfAny);
    return letter;
  }

  /** Hands an unsettled delivery back at once (shutting down), instead of after the visibility time. */
  async release(entry: string, delivery: Delivery): Promise<void> {
    await this.client
      .multi()
      .xadd(this.keys.stream, '*', 'd', JSON.stringify(delivery))
      .xack(this.keys.stream, GROUP, entry)
      .xdel(this.keys.stream, entry)
      .exec()
      .then(failedIfAny);
  }

  /** Retries due by `now` go back into the stream; returns how many. */
  async promoteDue(now: number, limit = 100): Promise<number> {
    return (await this.client.eval(
      PROMOTE,
      3,
      this.keys.retry,
      this.keys.retryBody,
      this.keys.stream,
      String(now),
      String(limit),
    )) as number;
  }

  /** Deliveries not settled yet, over all replicas: in the stream or waiting for a retry. */
  async backlog(): Promise<number> {
    const [[, inStream], [, waiting]] = (await this.client
      .multi()
      .xlen(this.keys.stream)
      .zcard(this.keys.retry)
      .exec()
      .then(failedIfAny)) as [[null, number], [null, number]];
    return inStream + waiting;
  }

  /** How many dead letters there are and the newest few, as files mode shows them. */
  async deadLetters(recent = 10): Promise<{ count: number; recent: DeadLetter[] }> {
    const [[, count], [, raw]] = (await this.client
      .multi()
      .llen(this.keys.dead)
      .lrange(this.keys.dead, 0, recent - 1)
      .exec()
      .then(failedIfAny)) as [[null, number], [null, string[]]];
    const letters: DeadLetter[] = [];
    for (const text of raw) {
      try {
        const { id, event, target, reason, failures, createdAt, deadAt } = JSON.parse(
          text,
        ) as DeadLetter;
        letters.push({ id, event, target, reason, failures, createdAt, deadAt });
      } catch {
        // an entry this version cannot read is still counted
      }
    }
    return { count, recent: letters };
  }

  /** Forgets consumers (replicas long gone) that hold nothing, so the group stays small. */
  async forgetIdleConsumers(idleMs: number, except: string): Promise<void> {
    const consumers = (await this.client.call(
      'XINFO',
      'CONSUMERS',
      this.keys.stream,
      GROUP,
    )) as unknown[][];
    for (const fields of consumers) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
      const name = String(info.get('name'));
      if (
        name !== except &&
        Number(info.get('pending')) === 0 &&
        Number(info.get('idle')) > idleMs
      ) {
        await this.client.call('XGROUP', 'DELCONSUMER', this.keys.stream, GROUP, name);
      }
    }
  }

  /** Entries whose body this version cannot read are settled as they are, never retried blindly. */
  private parse(raw: RawEntry[]): OutboxEntry[] {
    const entries: OutboxEntry[] = [];
    for (const [entry, fields] of raw) {
      const index = fields.indexOf('d');
      const delivery = index >= 0 ? parseJson(fields[index + 1]!) : null;
      if (isDelivery(delivery)) entries.push({ entry, delivery });
      else void this.delivered(entry).catch(() => undefined);
    }
    return entries;
  }
}

type RawEntry = [string, string[]];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** MULTI replies carry per-command errors; a settlement that half failed must not pass as done. */
function failedIfAny(
  results: Array<[Error | null, unknown]> | null,
): Array<[Error | null, unknown]> {
  if (!results) throw new Error('state store transaction was discarded');
  for (const [error] of results) if (error) throw error;
  return results;
}

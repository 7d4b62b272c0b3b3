/**
 * Token buckets keyed by a string (an address, a user name, a principal), with an injected
 * clock so tests advance time instead of sleeping. Pure: no timers, no I/O.
 * A bucket holds up to `capacity` tokens and regains `refillPerSecond`; a full bucket is
 * the same as no bucket, so idle keys are forgotten and memory stays bounded.
 */
export interface BucketOptions {
  capacity: number;
  refillPerSecond: number;
  /** Most keys remembered; the oldest are dropped first (a forgotten key starts full). */
  maxKeys?: number;
  now?: () => number;
}

export interface BucketResult {
  ok: boolean;
  /** Milliseconds until one token is available again (0 when ok). */
  retryAfterMs: number;
}

/** What callers need of a set of buckets, kept here or counted across replicas (server/state). */
export interface RateBuckets {
  take(key: string, cost?: number): BucketResult | Promise<BucketResult>;
  reset(key: string): void | Promise<void>;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets implements RateBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly options: BucketOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError('TokenBuckets: capacity must be >= 1 and refillPerSecond > 0');
    }
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Whether a token is available, without spending it. */
  peek(key: string): BucketResult {
    return this.result(this.level(key));
  }

  /** Spends `cost` tokens when available. */
  take(key: string, cost = 1): BucketResult {
    const tokens = this.level(key);
    if (tokens < cost) return this.result(tokens, cost);
    this.store(key, tokens - cost);
    return { ok: true, retryAfterMs: 0 };
  }

  /** Forgets a key (e.g. after a successful login, failures no longer count). */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }

  private level(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.options.capacity;
    const elapsed = Math.max(0, this.now() - bucket.at) / 1000;
    return Math.min(this.options.capacity, bucket.tokens + elapsed * this.options.refillPerSecond);
  }

  private store(key: string, tokens: number): void {
    this.buckets.delete(key); // re-insert so Map order is least recently used first
    this.buckets.set(key, { tokens, at: this.now() });
    while (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
  }

  private result(tokens: number, cost = 1): BucketResult {
    if (tokens >= cost) return { ok: true, retryAfterMs: 0 };
    return { ok: false, retryAfterMs: Math.ceil(((cost - tokens) / this.options.refillPerSecond) * 1000) };
  }
}

import { LRUCache } from 'lru-cache';

/**
 * Rendered images kept in memory, bounded in bytes (not entries), with concurrent requests
 * for one key sharing a single computation.
 */
export class SharedCache {
  private readonly lru: LRUCache<string, Buffer> | null;
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    // An entry larger than the whole cache is simply not kept.
    this.lru = maxBytes > 0 ? new LRUCache<string, Buffer>({ maxSize: maxBytes, sizeCalculation: (value) => Math.max(1, value.length) }) : null;
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  peek(key: string): Buffer | undefined {
    return this.lru?.get(key);
  }

  /** Returns the cached value, or joins/starts the one computation for `key`. */
  get(key: string, compute: () => Promise<Buffer>): Promise<Buffer> {
    const cached = this.lru?.get(key);
    if (cached) {
      this.hits++;
      return Promise.resolve(cached);
    }
    const running = this.inFlight.get(key);
    if (running) return running;
    this.misses++;
    const started = compute()
      .then((value) => {
        if (this.lru && value.length <= this.lru.maxSize) this.lru.set(key, value);
        return value;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  deleteWhere(test: (key: string) => boolean): void {
    if (!this.lru) return;
    for (const key of [...this.lru.keys()]) if (test(key)) this.lru.delete(key);
  }
}

/**
 * A byte-bounded cache with the S3-FIFO eviction policy (Yang et al., SOSP 2023,
 * "FIFO queues are all you need for cache eviction"). Three FIFO queues:
 * - small (≈10 % of the bytes): every new key lands here; one-hit wonders leave quickly;
 * - main (the rest): keys read again while in `small` are promoted here and get a
 *   second chance (a 2-bit frequency, decremented on each pass) before eviction;
 * - ghost: keys only, recently evicted from `small`; a key seen again while in the
 *   ghost goes straight to `main`.
 * Reads never reorder a queue (only a counter changes), which is why the policy is cheap
 * and why it resists scans: a timeline scrolled once does not flush the hot set.
 *
 * The API mirrors the subset of lru-cache that a thumbnail memory cache needs, so the
 * two can be swapped behind one option.
 */
export interface S3FifoOptions<K, V> {
  /** Total bytes the cached values may take. */
  maxSize: number;
  /** Bytes of one value; must be a positive integer. */
  sizeCalculation: (value: V, key: K) => number;
  /** Share of `maxSize` for the small queue (default 0.1, as in the paper). */
  smallRatio?: number;
}

interface Entry<V> {
  value: V;
  size: number;
  /** Reads since insertion or the last pass, capped at 3. */
  freq: number;
}

const MAX_FREQ = 3;

export class S3FifoCache<K, V> {
  readonly maxSize: number;
  private readonly smallTarget: number;
  private readonly sizeOf: (value: V, key: K) => number;
  // Maps keep insertion order: the first key is the queue's head, `set` appends at the tail.
  private readonly small = new Map<K, Entry<V>>();
  private readonly main = new Map<K, Entry<V>>();
  /** Evicted-from-small keys with their sizes, bounded in bytes like the main queue. */
  private readonly ghost = new Map<K, number>();
  private smallBytes = 0;
  private mainBytes = 0;
  private ghostBytes = 0;

  constructor(options: S3FifoOptions<K, V>) {
    const { maxSize, sizeCalculation, smallRatio = 0.1 } = options;
    if (!Number.isSafeInteger(maxSize) || maxSize <= 0) {
      throw new TypeError(`maxSize must be a positive integer, got ${String(maxSize)}`);
    }
    if (!(smallRatio > 0 && smallRatio < 1)) {
      throw new TypeError(`smallRatio must lie between 0 and 1 (exclusive), got ${String(smallRatio)}`);
    }
    this.maxSize = maxSize;
    this.smallTarget = Math.max(1, Math.floor(maxSize * smallRatio));
    this.sizeOf = sizeCalculation;
  }

  /** Number of cached values. */
  get size(): number {
    return this.small.size + this.main.size;
  }

  /** Bytes taken by cached values (never above `maxSize`). */
  get calculatedSize(): number {
    return this.smallBytes + this.mainBytes;
  }

  has(key: K): boolean {
    return this.small.has(key) || this.main.has(key);
  }

  /** The value without counting a read. */
  peek(key: K): V | undefined {
    return (this.small.get(key) ?? this.main.get(key))?.value;
  }

  get(key: K): V | undefined {
    const entry = this.small.get(key) ?? this.main.get(key);
    if (!entry) return undefined;
    if (entry.freq < MAX_FREQ) entry.freq++;
    return entry.value;
  }

  /** Stores a value; one larger than the whole cache is not stored (and evicts its old value). */
  set(key: K, value: V): this {
    const size = this.sizeOf(value, key);
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new TypeError(`sizeCalculation must return a positive integer, got ${String(size)}`);
    }
    const existing = this.small.get(key) ?? this.main.get(key);
    if (existing) {
      if (size > this.maxSize) {
        this.delete(key);
        return this;
      }
      this.resize(key, existing, size);
      existing.value = value;
      this.evictUntilFits();
      return this;
    }
    if (size > this.maxSize) return this;
    const entry: Entry<V> = { value, size, freq: 0 };
    if (this.forgetGhost(key)) {
      this.main.set(key, entry);
      this.mainBytes += size;
    } else {
      this.small.set(key, entry);
      this.smallBytes += size;
    }
    this.evictUntilFits();
    return this;
  }

  delete(key: K): boolean {
    const inSmall = this.small.get(key);
    if (inSmall) {
      this.small.delete(key);
      this.smallBytes -= inSmall.size;
      return true;
    }
    const inMain = this.main.get(key);
    if (!inMain) return false;
    this.main.delete(key);
    this.mainBytes -= inMain.size;
    return true;
  }

  clear(): void {
    this.small.clear();
    this.main.clear();
    this.ghost.clear();
    this.smallBytes = this.mainBytes = this.ghostBytes = 0;
  }

  private resize(key: K, entry: Entry<V>, size: number): void {
    if (this.small.get(key) === entry) this.smallBytes += size - entry.size;
    else this.mainBytes += size - entry.size;
    entry.size = size;
  }

  private evictUntilFits(): void {
    while (this.smallBytes + this.mainBytes > this.maxSize) {
      if (this.smallBytes >= this.smallTarget || this.main.size === 0) this.evictSmall();
      else this.evictMain();
    }
  }

  /** Head of small: promoted to main if it was read while waiting, else remembered as a ghost. */
  private evictSmall(): void {
    const [key, entry] = this.small.entries().next().value as [K, Entry<V>];
    this.small.delete(key);
    this.smallBytes -= entry.size;
    if (entry.freq > 0) {
      entry.freq = 0;
      this.main.set(key, entry);
      this.mainBytes += entry.size;
    } else {
      this.rememberGhost(key, entry.size);
    }
  }

  /** Head of main: goes round again while its counter lasts (decremented per pass), then out. */
  private evictMain(): void {
    for (;;) {
      const [key, entry] = this.main.entries().next().value as [K, Entry<V>];
      this.main.delete(key);
      if (entry.freq > 0) {
        entry.freq--;
        this.main.set(key, entry);
        continue;
      }
      this.mainBytes -= entry.size;
      return;
    }
  }

  private rememberGhost(key: K, size: number): void {
    this.forgetGhost(key);
    this.ghost.set(key, size);
    this.ghostBytes += size;
    const limit = this.maxSize - this.smallTarget;
    while (this.ghostBytes > limit && this.ghost.size > 0) {
      const [oldKey, oldSize] = this.ghost.entries().next().value as [K, number];
      this.ghost.delete(oldKey);
      this.ghostBytes -= oldSize;
    }
  }

  private forgetGhost(key: K): boolean {
    const size = this.ghost.get(key);
    if (size === undefined) return false;
    this.ghost.delete(key);
    this.ghostBytes -= size;
    return true;
  }
}

export interface BatchClock {
  now(): number;
  setTimeout(run: () => void, ms: number): void;
}

const realClock: BatchClock = {
  now: () => performance.now(),
  setTimeout: (run, ms) => void setTimeout(run, ms),
};

/**
 * Collects items and hands them on together, at most once per `intervalMs`: the first item
 * after a quiet interval goes at once, those arriving within the interval after a batch wait
 * for the next one.
 */
export class ThrottledBatch<T> {
  private readonly pending: T[] = [];
  private waiting = false;
  private lastBatch = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: (batch: T[]) => void,
    private readonly clock: BatchClock = realClock,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    if (this.waiting) return;
    const wait = this.lastBatch + this.intervalMs - this.clock.now();
    if (wait <= 0) return this.release();
    this.waiting = true;
    this.clock.setTimeout(() => this.release(), wait);
  }

  private release(): void {
    this.waiting = false;
    this.lastBatch = this.clock.now();
    this.flush(this.pending.splice(0));
  }
}

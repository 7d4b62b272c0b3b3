/**
 * Runs at most `concurrency` tasks at once; the rest wait in order. `priority` tasks jump
 * ahead of every waiting background task (a user waiting on a request beats background
 * work), but not ahead of each other: among themselves they keep arrival order.
 */
export class Limiter {
  private active = 0;
  private readonly urgent: Array<() => void> = [];
  private readonly background: Array<() => void> = [];

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  get pending(): number {
    return this.urgent.length + this.background.length;
  }

  get running(): number {
    return this.active;
  }

  async run<T>(task: () => Promise<T>, priority = false): Promise<T> {
    if (this.active >= this.concurrency) {
      // The finishing task hands its slot straight to us, so `active` already counts us.
      await new Promise<void>((resolve) => (priority ? this.urgent : this.background).push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.urgent.shift() ?? this.background.shift();
      if (next) next();
      else this.active--;
    }
  }
}

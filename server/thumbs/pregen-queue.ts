import type { Library } from '../media/library.js';
import type { MediaRecord } from '../media/record.js';
import type { Logger } from '../ops/logger.js';
import { NewestFirst } from './newest-first.js';

export interface PregenStatus {
  enabled: boolean;
  paused: boolean;
  queued: number;
  running: number;
  done: number;
  failed: number;
}

/**
 * Background pre-generation of small thumbnails, newest photos first. At most `workers`
 * items are in flight, and they wait behind requests in the sharp limiter, so a person
 * scrolling always jumps the queue.
 */
export class PregenQueue {
  private readonly pending = new NewestFirst();
  private running = 0;
  private done = 0;
  private failed = 0;
  private stopped = false;
  /** Held until the first index is done: then the whole library is ordered newest first. */
  private paused = true;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly library: Library,
    private readonly work: (record: MediaRecord) => Promise<void>,
    private readonly workers: number,
    private readonly log: Logger,
    private readonly enabled: boolean,
  ) {}

  add(record: MediaRecord): void {
    if (!this.enabled || this.stopped) return;
    this.pending.add(record.id, record.takenAtMs);
    this.pump();
  }

  remove(id: string): void {
    this.pending.delete(id);
  }

  status(): PregenStatus {
    return { enabled: this.enabled, paused: this.paused, queued: this.pending.size, running: this.running, done: this.done, failed: this.failed };
  }

  /** Resolves when nothing is queued or running (the CLI `index` command and benchmarks wait on it). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  stop(): void {
    this.stopped = true;
  }

  private isIdle(): boolean {
    return this.running === 0 && (this.pending.size === 0 || this.stopped);
  }

  private pump(): void {
    while (!this.stopped && !this.paused && this.running < this.workers) {
      const id = this.pending.pop();
      if (id === undefined) break;
      const record = this.library.index.getById(id);
      if (!record) continue;
      this.running++;
      void this.work(record)
        .then(
          () => this.done++,
          (error: Error) => {
            this.failed++;
            this.log.debug({ path: record.path, err: error.message }, 'pre-generation skipped an item');
          },
        )
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
    if (this.isIdle()) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}

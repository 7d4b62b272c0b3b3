import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { isDelivery, type Delivery } from './delivery.js';

export interface DeadLetter {
  id: string;
  event: string;
  /** Origin only: a webhook URL may carry a token in its path or query. */
  target: string;
  reason: string;
  failures: number;
  createdAt: string;
  deadAt: string;
}

export interface OutboxBatch {
  name: string;
  deliveries: Delivery[];
}

export interface LoadResult {
  batches: OutboxBatch[];
  /** Files that could not be read back; moved aside as `*.corrupt`, never retried blindly. */
  corrupt: number;
}

/**
 * The durable outbox in `<data>/webhooks/outbox`: deliveries created together are written
 * as one batch file, atomically (one fsync for a thousand new files, not a thousand), before
 * any of them is attempted; the file is removed once every delivery in it is settled. A crash
 * or `kill -9` at any moment loses nothing; deliveries of a half-settled batch are sent again
 * after a restart (at least once, never zero). Given-up deliveries are written to
 * `<data>/webhooks/dead`, one file each with the reason, newest kept.
 */
export class OutboxStore {
  readonly outboxDir: string;
  readonly deadDir: string;

  constructor(
    dataDir: string,
    private readonly maxDeadLetters = 500,
  ) {
    this.outboxDir = path.join(dataDir, 'webhooks', 'outbox');
    this.deadDir = path.join(dataDir, 'webhooks', 'dead');
  }

  async open(): Promise<void> {
    await mkdir(this.outboxDir, { recursive: true, mode: 0o700 });
    await mkdir(this.deadDir, { recursive: true, mode: 0o700 });
  }

  /** Writes new deliveries durably; returns the batch's name for `removeBatch`. */
  async addBatch(deliveries: Delivery[], now: number): Promise<string> {
    // Time first, so a listing sorts oldest first; random so two processes never collide.
    const name = `${String(now).padStart(15, '0')}-${randomBytes(4).toString('hex')}.json`;
    await writeFileAtomic(this.fileOf(name), JSON.stringify(deliveries));
    return name;
  }

  async removeBatch(name: string): Promise<void> {
    await rm(this.fileOf(name), { force: true });
  }

  /** Records why a delivery was given up (the batch holding it is the caller's business). */
  async bury(delivery: Delivery, reason: string, now: number): Promise<DeadLetter> {
    const letter = deadLetterOf(delivery, reason, now);
    // The body is kept too, so an operator can replay it by hand.
    await writeFileAtomic(path.join(this.deadDir, `${path.basename(delivery.id)}.json`), JSON.stringify({ ...letter, url: delivery.url, body: delivery.body }));
    return letter;
  }

  /** Unsettled batches, oldest first. Leftover temporary files from a crash are removed. */
  async load(): Promise<LoadResult> {
    const batches: OutboxBatch[] = [];
    let corrupt = 0;
    for (const name of (await readdir(this.outboxDir)).sort()) {
      const file = path.join(this.outboxDir, name);
      if (name.endsWith('.tmp')) {
        await rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const value: unknown = await readFile(file, 'utf8').then(JSON.parse).catch(() => null);
      if (Array.isArray(value) && value.every(isDelivery)) batches.push({ name, deliveries: value });
      else {
        corrupt++;
        await rename(file, `${file}.corrupt`).catch(() => undefined);
      }
    }
    return { batches, corrupt };
  }

  /** Dead letters on disk, newest first; prunes beyond the cap so the folder stays bounded. */
  async deadLetters(): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const name of await readdir(this.deadDir)) {
      if (!name.endsWith('.json')) continue;
      const value = (await readFile(path.join(this.deadDir, name), 'utf8').then(JSON.parse).catch(() => null)) as
        | (DeadLetter & { url?: string; body?: string })
        | null;
      if (!value || typeof value.id !== 'string') continue;
      const { id, event, target, reason, failures, createdAt, deadAt } = value;
      letters.push({ id, event, target, reason, failures, createdAt, deadAt });
    }
    letters.sort((a, b) => b.deadAt.localeCompare(a.deadAt));
    await this.prune(letters);
    return letters;
  }

  /** Keeps the newest `maxDeadLetters` of a newest-first list, on disk and in the list. */
  async prune(letters: DeadLetter[]): Promise<void> {
    for (const old of letters.splice(this.maxDeadLetters)) await rm(path.join(this.deadDir, `${old.id}.json`), { force: true });
  }

  private fileOf(name: string): string {
    // Names are made here, but never let one read back from disk point elsewhere.
    return path.join(this.outboxDir, path.basename(name));
  }
}

/** What a dead letter shows of a given-up delivery (the same in files and Redis outboxes). */
export function deadLetterOf(delivery: Delivery, reason: string, now: number): DeadLetter {
  return {
    id: delivery.id,
    event: delivery.event,
    target: originOf(delivery.url),
    reason,
    failures: delivery.failures,
    createdAt: new Date(delivery.createdAt).toISOString(),
    deadAt: new Date(now).toISOString(),
  };
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}

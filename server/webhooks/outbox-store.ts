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

export interface LoadResult {
  pending: Delivery[];
  /** Files that could not be read back; moved aside as `*.corrupt`, never retried blindly. */
  corrupt: number;
}

/**
 * The durable outbox: one JSON file per delivery in `<data>/webhooks/outbox`, written
 * atomically before the first attempt and removed once delivered, so a crash or `kill -9`
 * at any moment loses nothing (a delivery may be sent twice: at least once, never zero).
 * Given-up deliveries move to `<data>/webhooks/dead` with the reason, newest kept.
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

  add(delivery: Delivery): Promise<void> {
    return writeFileAtomic(this.fileOf(delivery.id), JSON.stringify(delivery));
  }

  async remove(id: string): Promise<void> {
    await rm(this.fileOf(id), { force: true });
  }

  /** Records why a delivery was given up, then drops it from the outbox. */
  async bury(delivery: Delivery, reason: string, now: number): Promise<DeadLetter> {
    const letter: DeadLetter = {
      id: delivery.id,
      event: delivery.event,
      target: originOf(delivery.url),
      reason,
      failures: delivery.failures,
      createdAt: new Date(delivery.createdAt).toISOString(),
      deadAt: new Date(now).toISOString(),
    };
    // The body is kept too, so an operator can replay it by hand.
    await writeFileAtomic(path.join(this.deadDir, `${delivery.id}.json`), JSON.stringify({ ...letter, url: delivery.url, body: delivery.body }));
    await this.remove(delivery.id);
    return letter;
  }

  /** Pending deliveries, oldest first. Leftover temporary files from a crash are removed. */
  async load(): Promise<LoadResult> {
    const pending: Delivery[] = [];
    let corrupt = 0;
    for (const name of await readdir(this.outboxDir)) {
      const file = path.join(this.outboxDir, name);
      if (name.endsWith('.tmp')) {
        await rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const value = await readFile(file, 'utf8').then(JSON.parse).catch(() => null);
      if (isDelivery(value)) pending.push(value);
      else {
        corrupt++;
        await rename(file, `${file}.corrupt`).catch(() => undefined);
      }
    }
    pending.sort((a, b) => a.createdAt - b.createdAt);
    return { pending, corrupt };
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

  private fileOf(id: string): string {
    // Ids are generated here (UUIDs), but never trust a name read back from disk as a path.
    return path.join(this.outboxDir, `${path.basename(id)}.json`);
  }
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}

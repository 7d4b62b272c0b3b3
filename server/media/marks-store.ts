import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SerialWriter, writeFileAtomic } from '../util/atomic-write.js';
import type { Marks } from './media-index.js';

export interface StoredMark extends Marks {
  /** Last path seen with this content, for people reading the file. */
  path: string;
}

export const NONE: Marks = Object.freeze({ favorite: false, archived: false });

/** What a change did: the marks now, whether they differ from before, and its id across replicas. */
export interface MarkWrite {
  marks: Marks;
  changed: boolean;
  /** The same on every replica for one change (shared store only): `marks:<fingerprint>:<seq>`. */
  eventKey?: string;
  /** Already announced as a remote change: the store's own channel message came back first. */
  announced?: boolean;
}

/** A change another replica made, learnt through the shared store. */
export interface RemoteMarkChange {
  fingerprint: string;
  /** The path the change was made through (every replica indexes the same paths). */
  path: string;
  eventKey: string;
}

/**
 * Where marks live: the data folder (MarksStore) or a shared store. Reads are served from
 * memory (a listing reads every item's marks); writes resolve once stored.
 */
export interface MarkStore {
  get(fingerprint: string): Marks;
  counts(): { favorites: number; archived: number };
  set(fingerprint: string, relPath: string, change: Partial<Marks>): Promise<MarkWrite>;
  /** Carries marks over when a file's content changes in place. */
  rekey(from: string, to: string, relPath: string): Promise<void>;
  /** Changes made elsewhere (never called for the files store). */
  onRemoteChange(listener: (change: RemoteMarkChange) => void): void;
  close(): Promise<void>;
}

/**
 * Favorite and archive marks, keyed by content fingerprint so they follow a file that is
 * moved or renamed. Every change is written atomically before the caller hears back.
 */
export class MarksStore implements MarkStore {
  private readonly marks = new Map<string, StoredMark>();
  private readonly writer = new SerialWriter();
  private readonly file: string;

  private constructor(dataDir: string) {
    this.file = path.join(dataDir, 'marks.json');
  }

  static async open(dataDir: string): Promise<MarksStore> {
    const store = new MarksStore(dataDir);
    let text: string | null = null;
    try {
      text = await readFile(store.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== null) {
      // A broken marks file is the user's data: refuse to start rather than overwrite it.
      const parsed = JSON.parse(text) as { version?: number; marks?: Record<string, StoredMark> };
      if (parsed.version !== 1 || typeof parsed.marks !== 'object' || parsed.marks === null) {
        throw new Error(`${store.file} is not a marks file this version understands`);
      }
      for (const [fingerprint, mark] of Object.entries(parsed.marks)) {
        store.marks.set(fingerprint, {
          favorite: mark.favorite === true,
          archived: mark.archived === true,
          path: String(mark.path ?? ''),
        });
      }
    }
    return store;
  }

  get(fingerprint: string): Marks {
    return this.marks.get(fingerprint) ?? NONE;
  }

  counts(): { favorites: number; archived: number } {
    let favorites = 0;
    let archived = 0;
    for (const mark of this.marks.values()) {
      if (mark.favorite) favorites++;
      if (mark.archived) archived++;
    }
    return { favorites, archived };
  }

  async set(fingerprint: string, relPath: string, change: Partial<Marks>): Promise<MarkWrite> {
    const current = this.get(fingerprint);
    const next: StoredMark = {
      favorite: current.favorite,
      archived: current.archived,
      ...change,
      path: relPath,
    };
    if (!next.favorite && !next.archived) this.marks.delete(fingerprint);
    else this.marks.set(fingerprint, next);
    await this.persist();
    const marks = { favorite: next.favorite, archived: next.archived };
    return {
      marks,
      changed: marks.favorite !== current.favorite || marks.archived !== current.archived,
    };
  }

  entries(): Array<[string, StoredMark]> {
    return [...this.marks].map(([fingerprint, mark]) => [fingerprint, { ...mark }]);
  }

  /** Only this process writes the data folder's marks. */
  onRemoteChange(): void {}

  close(): Promise<void> {
    return this.writer.idle();
  }

  /** Carries marks over when a file's content changes in place. */
  async rekey(from: string, to: string, relPath: string): Promise<void> {
    const mark = this.marks.get(from);
    if (!mark || from === to) return;
    this.marks.delete(from);
    this.marks.set(to, { ...mark, path: relPath });
    await this.persist();
  }

  private persist(): Promise<void> {
    return this.writer.run(async () => {
      const marks = Object.fromEntries(this.marks);
      await writeFileAtomic(this.file, JSON.stringify({ version: 1, marks }, null, 1));
    });
  }
}

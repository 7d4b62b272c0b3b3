import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SerialWriter, writeFileAtomic } from '../util/atomic-write.js';

/**
 * Documents kept in a store that several replicas share instead of the data folder: read
 * whole, written only if nobody wrote since the read (compare-and-set on a version number),
 * each change announced to the other replicas.
 */
export interface SharedDocuments {
  read(name: string): Promise<{ json: string | null; version: number }>;
  /** The current version alone: the cheap check before a read. */
  version(name: string): Promise<number>;
  /** Stores `json` if the version is still `expected`; the new version, or null when it moved on. */
  write(name: string, json: string, expected: number): Promise<number | null>;
  /** Called when another replica changed `name`, or when changes may have been missed. */
  watch(name: string, listener: () => void): void;
}

/** The longest a replica serves a shared document without asking whether it changed. */
const SHARED_RECHECK_MS = 1000;

/**
 * One JSON document in the data folder's `auth/` sub-folder, kept in memory, written
 * atomically and re-read when another process (the `spis user` CLI) changed it.
 * The file is checked at most once per `recheckMs`, so a request costs no `stat`.
 *
 * With `shared` the document lives in the shared store instead (same JSON text): changes
 * are announced, so replicas re-read at once, and the version is also checked at most once
 * a second while requests arrive. The copy in memory changes only after the store accepted
 * a write; while the store is away, reads go on from the copy and writes fail.
 */
export class JsonStore<T> {
  private value: T;
  private mtimeMs = -1;
  private checkedAt = -Infinity;
  /** Bumped on every change, so callers can cache what they derive from the document. */
  generation = 0;
  private readonly writer = new SerialWriter();
  readonly file: string;
  private readonly name: string;

  constructor(
    dataDir: string,
    name: string,
    private readonly parse: (json: unknown) => T,
    private readonly empty: () => T,
    private readonly recheckMs = 1000,
    private readonly now: () => number = Date.now,
    private readonly shared?: SharedDocuments,
  ) {
    this.file = path.join(dataDir, 'auth', name);
    this.name = name;
    this.value = empty();
    if (shared) {
      this.recheckMs = Math.min(recheckMs, SHARED_RECHECK_MS);
      shared.watch(name, () => {
        this.checkedAt = -Infinity;
        void this.refresh(true).catch(() => undefined);
      });
    }
  }

  get current(): T {
    return this.value;
  }

  /** Whether `refresh()` would look at the file now (false between throttled checks). */
  get due(): boolean {
    return this.now() - this.checkedAt >= this.recheckMs;
  }

  /** Re-reads the file if it changed on disk since the last read (throttled). */
  async refresh(force = false): Promise<T> {
    if (!force && !this.due) return this.value;
    if (this.shared) return this.refreshShared(this.shared);
    this.checkedAt = this.now();
    const info = await stat(this.file).catch(() => null);
    const mtimeMs = info?.mtimeMs ?? 0;
    if (mtimeMs === this.mtimeMs) return this.value;
    let next: T;
    try {
      next = info ? this.parse(JSON.parse(await readFile(this.file, 'utf8')) as unknown) : this.empty();
    } catch (error) {
      // At start (forced) a broken file stops the server; later, a hand edit gone wrong keeps
      // the last good state instead of failing every request.
      if (force) throw error;
      return this.value;
    }
    this.value = next;
    this.mtimeMs = mtimeMs;
    this.generation++;
    return this.value;
  }

  /** Applies `change` to a fresh copy of the document and saves it before resolving. */
  update<R>(change: (value: T) => R): Promise<R> {
    let result!: R;
    if (this.shared) {
      const shared = this.shared;
      return this.writer.run(async () => void (result = await this.updateShared(shared, change))).then(() => result);
    }
    return this.writer
      .run(async () => {
        await this.refresh(true);
        result = change(this.value);
        this.generation++;
        await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
        await writeFileAtomic(this.file, JSON.stringify(this.value, null, 2) + '\n');
        this.mtimeMs = (await stat(this.file)).mtimeMs;
      })
      .then(() => result);
  }

  private async refreshShared(shared: SharedDocuments): Promise<T> {
    this.checkedAt = this.now();
    try {
      const version = await shared.version(this.name);
      if (version === this.mtimeMs) return this.value;
      const read = await shared.read(this.name);
      // A write of ours may have landed while reading: never go back to an older version.
      if (read.version <= this.mtimeMs) return this.value;
      this.value = read.json === null ? this.empty() : this.parse(JSON.parse(read.json) as unknown);
      this.mtimeMs = read.version;
      this.generation++;
    } catch (error) {
      // Never loaded: start-up must fail. Later, the last good copy keeps serving reads.
      if (this.mtimeMs === -1) throw error;
    }
    return this.value;
  }

  /** Read, change, compare-and-set; again from a fresh read when another replica wrote first. */
  private async updateShared<R>(shared: SharedDocuments, change: (value: T) => R): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      const read = await shared.read(this.name);
      const value = read.json === null ? this.empty() : this.parse(JSON.parse(read.json) as unknown);
      const result = change(value);
      const version = await shared.write(this.name, JSON.stringify(value, null, 2) + '\n', read.version);
      if (version !== null) {
        this.value = value;
        this.mtimeMs = version;
        this.checkedAt = this.now();
        this.generation++;
        return result;
      }
      if (attempt >= 50) throw new Error(`${this.name}: too many concurrent changes; try again`);
    }
  }
}

export function asRecord(json: unknown, file: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${file}: expected a JSON object`);
  }
  return json as Record<string, unknown>;
}

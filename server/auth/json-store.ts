import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SerialWriter, writeFileAtomic } from '../util/atomic-write.js';

/**
 * One JSON document in the data folder's `auth/` sub-folder, kept in memory, written
 * atomically and re-read when another process (the `spis user` CLI) changed it.
 * The file is checked at most once per `recheckMs`, so a request costs no `stat`.
 */
export class JsonStore<T> {
  private value: T;
  private mtimeMs = -1;
  private checkedAt = -Infinity;
  /** Bumped on every change, so callers can cache what they derive from the document. */
  generation = 0;
  private readonly writer = new SerialWriter();
  readonly file: string;

  constructor(
    dataDir: string,
    name: string,
    private readonly parse: (json: unknown) => T,
    private readonly empty: () => T,
    private readonly recheckMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.file = path.join(dataDir, 'auth', name);
    this.value = empty();
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
}

export function asRecord(json: unknown, file: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${file}: expected a JSON object`);
  }
  return json as Record<string, unknown>;
}

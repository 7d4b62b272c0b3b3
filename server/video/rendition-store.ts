import { mkdir, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

interface Entry {
  bytes: number;
  /** Last played (or made), ms; kept as the file's mtime so it survives restarts. */
  usedMs: number;
}

/**
 * Renditions in the data folder (`videos/ID.VERSION.mp4`), failures beside them
 * (`ID.VERSION.failed`, the reason as text: retried only when the version changes), and the
 * disk bound: least recently played renditions go first once `limitBytes` is passed.
 */
export class RenditionStore {
  private readonly entries = new Map<string, Entry>();
  private readonly failures = new Map<string, string>();
  private total = 0;

  constructor(
    readonly dir: string,
    readonly limitBytes: number,
  ) {}

  fileFor(id: string, version: string): string {
    return path.join(this.dir, `${id}.${version}.mp4`);
  }

  /** Reads what is there, drops partial files of a run that was killed. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.partial') || name.includes('.tmp')) {
        await rm(file, { force: true });
      } else if (name.endsWith('.mp4')) {
        const info = await stat(file).catch(() => null);
        if (info) this.track(name.slice(0, -4), info.size, info.mtimeMs);
      } else if (name.endsWith('.failed')) {
        const reason = await readFile(file, 'utf8').catch(() => 'failed earlier');
        this.failures.set(name.slice(0, -7), reason.trim() || 'failed earlier');
      }
    }
  }

  has(id: string, version: string): boolean {
    return this.entries.has(`${id}.${version}`);
  }

  failure(id: string, version: string): string | null {
    return this.failures.get(`${id}.${version}`) ?? null;
  }

  async added(id: string, version: string): Promise<void> {
    const info = await stat(this.fileFor(id, version));
    this.track(`${id}.${version}`, info.size, Date.now());
  }

  async failed(id: string, version: string, reason: string): Promise<void> {
    this.failures.set(`${id}.${version}`, reason);
    await writeFileAtomic(path.join(this.dir, `${id}.${version}.failed`), reason);
  }

  /** Marks a rendition as just played: the last one the bound would evict. */
  touch(id: string, version: string): void {
    const entry = this.entries.get(`${id}.${version}`);
    if (!entry) return;
    const now = Date.now();
    // Persisting at most once a minute: a seek makes many range requests.
    if (now - entry.usedMs < 60_000) return;
    entry.usedMs = now;
    const seconds = now / 1000;
    void utimes(this.fileFor(id, version), seconds, seconds).catch(() => undefined);
  }

  /** Removes every file of an item except the given version (a changed or removed file). */
  async forget(id: string, keepVersion: string | null): Promise<void> {
    for (const key of [...this.entries.keys(), ...this.failures.keys()]) {
      const [keyId, version] = key.split('.');
      if (keyId !== id || version === keepVersion) continue;
      await this.remove(key);
    }
  }

  /** Evicts least recently played renditions until the total fits; returns the ids evicted. */
  async enforceLimit(keep: string | null = null): Promise<string[]> {
    const evicted: string[] = [];
    if (this.total <= this.limitBytes) return evicted;
    const byAge = [...this.entries.entries()].sort((a, b) => a[1].usedMs - b[1].usedMs);
    for (const [key] of byAge) {
      if (this.total <= this.limitBytes) break;
      if (key === keep) continue;
      await this.remove(key);
      evicted.push(key.split('.')[0]!);
    }
    return evicted;
  }

  /** Whether another rendition of `bytes` could be kept without evicting anything. */
  hasRoomFor(bytes: number): boolean {
    return this.total + bytes <= this.limitBytes;
  }

  status() {
    return {
      files: this.entries.size,
      bytes: this.total,
      limitBytes: this.limitBytes,
      failures: this.failures.size,
    };
  }

  private track(key: string, bytes: number, usedMs: number): void {
    const previous = this.entries.get(key);
    if (previous) this.total -= previous.bytes;
    this.entries.set(key, { bytes, usedMs });
    this.total += bytes;
  }

  private async remove(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.total -= entry.bytes;
      await rm(path.join(this.dir, `${key}.mp4`), { force: true });
    }
    if (this.failures.delete(key)) await rm(path.join(this.dir, `${key}.failed`), { force: true });
  }
}

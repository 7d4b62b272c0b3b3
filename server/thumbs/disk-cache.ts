import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { OutputFormat, Rendition } from './formats.js';

/**
 * Thumbnails on disk under `<data>/thumbs/<id[0..2]>/<id>/<version>-<rendition>.<format>`.
 * The version in the name means a changed file never serves a stale thumbnail; old
 * versions and removed items are deleted by the owner's hooks and by `sweep`.
 */
export class ThumbDiskCache {
  constructor(readonly root: string) {}

  private folderOf(id: string): string {
    return path.join(this.root, id.slice(0, 2), id);
  }

  fileOf(id: string, version: string, rendition: Rendition, format: OutputFormat): string {
    return path.join(this.folderOf(id), `${version}-${rendition}.${format}`);
  }

  async read(id: string, version: string, rendition: Rendition, format: OutputFormat): Promise<Buffer | null> {
    return readFile(this.fileOf(id, version, rendition, format)).catch(() => null);
  }

  async has(id: string, version: string, rendition: Rendition, format: OutputFormat): Promise<boolean> {
    const names = await readdir(this.folderOf(id)).catch(() => [] as string[]);
    return names.includes(`${version}-${rendition}.${format}`);
  }

  async write(id: string, version: string, rendition: Rendition, format: OutputFormat, data: Buffer): Promise<void> {
    await mkdir(this.folderOf(id), { recursive: true });
    await writeFileAtomic(this.fileOf(id, version, rendition, format), data);
  }

  /** Deletes every version but `keep` (all of them when `keep` is null). */
  async prune(id: string, keep: string | null): Promise<void> {
    const folder = this.folderOf(id);
    if (keep === null) {
      await rm(folder, { recursive: true, force: true });
      return;
    }
    const names = await readdir(folder).catch(() => [] as string[]);
    await Promise.all(
      names.filter((name) => !name.startsWith(`${keep}-`)).map((name) => rm(path.join(folder, name), { force: true })),
    );
  }

  /** Removes folders of items that no longer exist (deleted while spis was stopped). */
  async sweep(currentVersion: (id: string) => string | null): Promise<number> {
    let removed = 0;
    for (const shard of await readdir(this.root).catch(() => [] as string[])) {
      for (const id of await readdir(path.join(this.root, shard)).catch(() => [] as string[])) {
        const version = currentVersion(id);
        if (version === null) {
          await rm(path.join(this.root, shard, id), { recursive: true, force: true });
          removed++;
        } else {
          await this.prune(id, version);
        }
      }
    }
    return removed;
  }
}

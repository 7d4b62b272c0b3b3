import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isHidden } from './media-types.js';
import type { WatchEvent } from './watcher.js';

export interface DirWatcherOptions {
  settleMs: number;
  onEvent: (event: WatchEvent) => void;
  /** A watch could not be created or failed (ENOSPC/EMFILE included): the owner decides. */
  onError: (error: NodeJS.ErrnoException) => void;
  exclude: readonly string[];
  /** node:fs `watch`, replaceable so tests can make it fail like an exhausted inotify. */
  watchImpl?: typeof fsWatch;
}

/**
 * One inotify watch per folder, not per file. chokidar also watches every file, which on
 * 20,000 photos took 20,115 watches, ~170 MiB and ~10 s of start-up, and runs out of
 * `max_user_watches` on a Pi long before a big library does. A folder's watch reports
 * every entry created, changed, moved or deleted in it, which is all the library needs:
 * it re-stats the path and decides. A path is reported once it has been quiet for
 * `settleMs` (a file being copied keeps producing events until it is complete).
 */
export class DirWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly options: DirWatcherOptions,
  ) {}

  /** Watches every folder below the root; resolves once all watches are in place. */
  async start(): Promise<void> {
    await this.addTree('', false);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private excluded(abs: string): boolean {
    return this.options.exclude.some((dir) => abs === dir || abs.startsWith(dir + path.sep));
  }

  /** Watches `rel` and every folder below it; with `report`, announces the files found. */
  private async addTree(rel: string, report: boolean): Promise<void> {
    const stack = [rel];
    while (stack.length > 0 && !this.closed) {
      const current = stack.pop()!;
      const abs = path.join(this.root, current);
      if (this.watchers.has(current) || this.excluded(abs)) continue;
      if (!this.watchFolder(current, abs)) return;
      const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (isHidden(entry.name)) continue;
        const child = current ? `${current}/${entry.name}` : entry.name;
        // Links are not followed (the library resolves and checks them); loops cannot hang this.
        if (entry.isDirectory()) stack.push(child);
        // Through the settle delay: a file still being copied in is reported once complete.
        else if (report) this.touched(child);
      }
    }
  }

  private watchFolder(rel: string, abs: string): boolean {
    try {
      const watcher = (this.options.watchImpl ?? fsWatch)(abs, { persistent: true }, (_type, name) => {
        if (name) this.touched(rel ? `${rel}/${name.toString()}` : name.toString());
        else this.touched(rel); // the kernel dropped the name: re-check the whole folder
      });
      watcher.on('error', (error: NodeJS.ErrnoException) => {
        // The folder itself went away (ENOENT/EPERM after rmdir): its parent reports that.
        if (this.watchers.get(rel) === watcher) this.unwatch(rel);
        if (error.code !== 'ENOENT' && error.code !== 'EPERM') this.options.onError(error);
      });
      this.watchers.set(rel, watcher);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return true; // gone already: nothing to watch
      this.options.onError(error as NodeJS.ErrnoException);
      return false;
    }
  }

  private unwatch(rel: string): void {
    for (const [folder, watcher] of this.watchers) {
      if (folder === rel || folder.startsWith(`${rel}/`)) {
        watcher.close();
        this.watchers.delete(folder);
      }
    }
  }

  /** Debounces a path until it has been quiet for `settleMs`, then looks at it once. */
  private touched(rel: string): void {
    if (this.closed || rel.split('/').some(isHidden)) return;
    const previous = this.timers.get(rel);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => {
      this.timers.delete(rel);
      void this.settle(rel).catch((error: NodeJS.ErrnoException) => this.options.onError(error));
    }, this.options.settleMs);
    this.timers.set(rel, timer);
  }

  private async settle(rel: string): Promise<void> {
    if (this.closed) return;
    const abs = path.join(this.root, rel);
    if (this.excluded(abs)) return;
    const info = await lstat(abs).catch(() => null);
    if (!info) {
      if (rel !== '' && [...this.watchers.keys()].some((folder) => folder === rel || folder.startsWith(`${rel}/`))) {
        this.unwatch(rel);
        this.options.onEvent({ kind: 'folder-removed', rel });
      } else if (rel !== '') {
        this.options.onEvent({ kind: 'file-removed', rel });
      }
      return;
    }
    if (info.isDirectory()) {
      // A folder created, moved in or renamed: watch it and report what it holds. For a known
      // folder (event without a name), re-report its files so nothing is missed.
      if (!this.watchers.has(rel)) await this.addTree(rel, true);
      else await this.reportFiles(rel);
      return;
    }
    this.options.onEvent({ kind: 'file', rel });
  }

  private async reportFiles(rel: string): Promise<void> {
    const entries = await readdir(path.join(this.root, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!isHidden(entry.name) && !entry.isDirectory()) this.touched(rel ? `${rel}/${entry.name}` : entry.name);
    }
  }
}

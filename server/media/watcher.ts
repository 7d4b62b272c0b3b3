import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isHidden } from './media-types.js';

export type WatchEvent =
  | { kind: 'file'; rel: string }
  | { kind: 'file-removed'; rel: string }
  | { kind: 'folder-removed'; rel: string };

export interface WatcherOptions {
  settleMs: number;
  usePolling: boolean;
  onEvent: (event: WatchEvent) => void;
  onError: (error: Error) => void;
  /** Absolute paths never watched (the data folder if it sits inside the media folder). */
  exclude?: readonly string[];
}

export interface MediaWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * chokidar over the media folder, turned into relative-path events. It only reports;
 * the library decides what a change means (and re-checks that a path stays inside).
 */
export function watchMedia(root: string, options: WatcherOptions): MediaWatcher {
  const exclude = options.exclude ?? [];
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    persistent: true,
    // Links are resolved and checked by the library; letting chokidar follow them would
    // watch folders outside the media root and recurse forever through link loops.
    followSymlinks: false,
    usePolling: options.usePolling,
    interval: 1000,
    binaryInterval: 2000,
    ignored: (target: string) =>
      isHidden(path.basename(target)) && target !== root ||
      exclude.some((dir) => target === dir || target.startsWith(dir + path.sep)),
    awaitWriteFinish:
      options.settleMs > 0 ? { stabilityThreshold: options.settleMs, pollInterval: 50 } : false,
  });
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  watcher.on('add', (abs) => options.onEvent({ kind: 'file', rel: rel(abs) }));
  watcher.on('change', (abs) => options.onEvent({ kind: 'file', rel: rel(abs) }));
  watcher.on('unlink', (abs) => options.onEvent({ kind: 'file-removed', rel: rel(abs) }));
  // No event for new folders: chokidar reports each file inside them once it has settled,
  // and indexing them earlier would race its awaitWriteFinish (a file moved away before it
  // settled is never reported as removed).
  watcher.on('unlinkDir', (abs) => options.onEvent({ kind: 'folder-removed', rel: rel(abs) }));
  watcher.on('error', (error) => options.onError(error as Error));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}

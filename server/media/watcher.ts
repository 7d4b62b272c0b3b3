import path from 'node:path';
import { watch, type ChokidarOptions, type FSWatcher } from 'chokidar';
import type { watch as fsWatch } from 'node:fs';
import { DirWatcher } from './dir-watcher.js';
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
  /** Poll interval once inotify ran out and spis fell back to polling (default 5 s). */
  fallbackPollMs?: number;
  /** chokidar's `watch` (polling), replaceable so tests can see which watcher runs. */
  watchImpl?: typeof watch;
  /** node:fs `watch` for the per-folder watcher, replaceable so tests can exhaust it. */
  watchDirImpl?: typeof fsWatch;
}

export interface MediaWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Follows the media folder and turns changes into relative-path events. It only reports;
 * the library decides what a change means (and re-checks that a path stays inside).
 *
 * Normally one inotify watch per folder (dir-watcher.ts); chokidar only for polling
 * (network shares). Large libraries can still exhaust inotify (ENOSPC: max_user_watches;
 * EMFILE: instances or descriptors): rather than silently missing new files, the watcher
 * then says how to raise the limit and switches to polling, which reports every existing
 * file once, so whatever changed in between is re-checked (unchanged files cost one stat).
 */
export function watchMedia(root: string, options: WatcherOptions): MediaWatcher {
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  let current: { close(): Promise<void> } | null = null;
  let fellBack = false;
  const fallBack = (error: NodeJS.ErrnoException) => {
    if (fellBack) return;
    fellBack = true;
    const previous = current;
    current = pollWithChokidar(root, options, true, resolveReady, () => current);
    void previous?.close().catch(() => undefined);
    options.onError(new Error(watchLimitAdvice(error, options.fallbackPollMs ?? 5000)));
  };
  if (options.usePolling) {
    current = pollWithChokidar(root, options, false, resolveReady, () => current);
  } else {
    const folders = new DirWatcher(root, {
      settleMs: options.settleMs,
      exclude: options.exclude ?? [],
      watchImpl: options.watchDirImpl,
      onEvent: (event) => current === folders && options.onEvent(event),
      onError: (error) => (isWatchLimit(error) ? fallBack(error) : options.onError(error)),
    });
    current = folders;
    void folders.start().then(() => current === folders && resolveReady());
  }
  return { ready, close: () => current?.close() ?? Promise.resolve() };
}

/** chokidar in polling mode; `reportExisting` when it replaces a failed inotify watcher. */
function pollWithChokidar(
  root: string,
  options: WatcherOptions,
  reportExisting: boolean,
  onReady: () => void,
  current: () => unknown,
): FSWatcher {
  const watcher = (options.watchImpl ?? watch)(root, chokidarOptions(root, options, true, reportExisting));
  const live = () => watcher === current(); // events of a replaced watcher are stale
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  watcher.on('add', (abs) => live() && options.onEvent({ kind: 'file', rel: rel(abs) }));
  watcher.on('change', (abs) => live() && options.onEvent({ kind: 'file', rel: rel(abs) }));
  watcher.on('unlink', (abs) => live() && options.onEvent({ kind: 'file-removed', rel: rel(abs) }));
  // No event for new folders: chokidar reports each file inside them once it has settled,
  // and indexing them earlier would race its awaitWriteFinish (a file moved away before it
  // settled is never reported as removed).
  watcher.on('unlinkDir', (abs) => live() && options.onEvent({ kind: 'folder-removed', rel: rel(abs) }));
  watcher.on('error', (error) => live() && options.onError(error as Error));
  watcher.once('ready', () => live() && onReady());
  return watcher;
}

function chokidarOptions(root: string, options: WatcherOptions, polling: boolean, reportExisting: boolean): ChokidarOptions {
  const exclude = options.exclude ?? [];
  const interval = polling && !options.usePolling ? (options.fallbackPollMs ?? 5000) : 1000;
  return {
    ignoreInitial: !reportExisting,
    persistent: true,
    // Links are resolved and checked by the library; letting chokidar follow them would
    // watch folders outside the media root and recurse forever through link loops.
    followSymlinks: false,
    usePolling: polling,
    interval,
    binaryInterval: interval * 2,
    ignored: (target: string) =>
      (isHidden(path.basename(target)) && target !== root) ||
      exclude.some((dir) => target === dir || target.startsWith(dir + path.sep)),
    awaitWriteFinish: options.settleMs > 0 ? { stabilityThreshold: options.settleMs, pollInterval: 50 } : false,
  };
}

export function isWatchLimit(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ENOSPC' || error.code === 'EMFILE' || /ENOSPC|EMFILE|file watchers/.test(error.message);
}

/** The operator's fix, logged once when spis falls back to polling. */
export function watchLimitAdvice(error: NodeJS.ErrnoException, pollMs: number): string {
  const fix =
    error.code === 'EMFILE' || error.message.includes('EMFILE')
      ? 'raise fs.inotify.max_user_instances (sudo sysctl fs.inotify.max_user_instances=512) or the open-file limit (LimitNOFILE=65536 in the unit)'
      : 'sudo sysctl fs.inotify.max_user_watches=524288, and keep it with: echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/90-spis.conf';
  return (
    `the system ran out of file watchers (${error.code ?? 'inotify limit'}) while watching the media folder; ` +
    `fell back to polling every ${Math.round(pollMs / 1000)} s, which costs CPU on large libraries. ` +
    `To watch efficiently again: ${fix}, then restart spis`
  );
}

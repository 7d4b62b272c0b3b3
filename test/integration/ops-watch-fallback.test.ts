import assert from 'node:assert/strict';
import { watch as fsWatch } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { watch } from 'chokidar';
import { watchMedia, type MediaWatcher, type WatchEvent } from '../../server/media/watcher.js';
import { tempDir, waitFor } from '../helpers/spis.js';

/** What an exhausted inotify looks like to node:fs `watch`. */
const enospc = () => Object.assign(new Error('ENOSPC: System limit for number of file watchers reached, watch'), { code: 'ENOSPC' });

let media: Awaited<ReturnType<typeof tempDir>>;
let watcher: MediaWatcher | null = null;
let polling: boolean[] = [];
let folderWatches = 0;
/** Set to make every further folder watch fail with this error. */
let failWith: (() => Error) | null = null;
const events: WatchEvent[] = [];
const errors: Error[] = [];
const seen = (rel: string) => events.find((e) => e.kind === 'file' && e.rel === rel);

beforeEach(async () => {
  media = await tempDir('spis-watch-');
  polling = [];
  folderWatches = 0;
  failWith = null;
  events.length = 0;
  errors.length = 0;
  await mkdir(path.join(media.dir, 'a/b'), { recursive: true });
  await writeFile(path.join(media.dir, 'a/b/before.jpg'), 'x');
});
afterEach(async () => {
  await watcher?.close();
  watcher = null;
  await media.remove();
});

function start(): MediaWatcher {
  watcher = watchMedia(media.dir, {
    settleMs: 50,
    usePolling: false,
    fallbackPollMs: 100,
    onEvent: (event) => events.push(event),
    onError: (error) => errors.push(error),
    watchDirImpl: ((target: string, options: object, listener: () => void) => {
      if (failWith) throw failWith();
      folderWatches++;
      return fsWatch(target, options, listener);
    }) as typeof fsWatch,
    watchImpl: (paths, options) => {
      polling.push(options?.usePolling === true);
      return watch(paths, options);
    },
  });
  return watcher;
}

void it('watches folders, not files: one inotify watch per folder', async () => {
  await start().ready;
  assert.equal(folderWatches, 3, 'root, a, a/b');
  await writeFile(path.join(media.dir, 'a/b/new.jpg'), 'x');
  await waitFor(() => seen('a/b/new.jpg'), { what: 'new file' });
  await mkdir(path.join(media.dir, 'c'));
  await writeFile(path.join(media.dir, 'c/in-new-folder.jpg'), 'x');
  await waitFor(() => seen('c/in-new-folder.jpg'), { what: 'file in a new folder' });
  assert.equal(polling.length, 0, 'no chokidar');
  assert.equal(folderWatches, 4, 'the new folder got its watch; files never do');
});

void it('reports a renamed folder as removed under its old name and its files under the new', async () => {
  await start().ready;
  await rename(path.join(media.dir, 'a'), path.join(media.dir, 'moved'));
  await waitFor(() => events.find((e) => e.kind === 'folder-removed' && e.rel === 'a'), { what: 'old folder removed' });
  await waitFor(() => seen('moved/b/before.jpg'), { what: 'file under the new name' });
  // The moved folders are watched under their new names: later changes there are seen.
  await writeFile(path.join(media.dir, 'moved/b/later.jpg'), 'x');
  await waitFor(() => seen('moved/b/later.jpg'), { what: 'change in a moved folder' });
});

void it('falls back to polling with the sysctl fix when inotify runs out, missing no file', async () => {
  await start().ready;
  failWith = enospc; // the next folder cannot be watched any more
  await mkdir(path.join(media.dir, 'later'));
  await writeFile(path.join(media.dir, 'later/during-gap.jpg'), 'x');

  const advice = await waitFor(() => errors[0], { what: 'advice' });
  assert.match(advice.message, /sysctl fs\.inotify\.max_user_watches=\d+/);
  assert.match(advice.message, /polling/);
  assert.deepEqual(polling, [true], 'replaced by a polling watcher');
  // The polling watcher re-reports what exists, so nothing added in the gap is missed…
  await waitFor(() => seen('later/during-gap.jpg'), { timeoutMs: 10_000, what: 'gap file' });
  await waitFor(() => seen('a/b/before.jpg'), { what: 'existing file re-checked' });
  // …and follows new changes afterwards.
  await writeFile(path.join(media.dir, 'after.jpg'), 'x');
  await waitFor(() => seen('after.jpg'), { timeoutMs: 10_000, what: 'polled file' });
  assert.equal(errors.length, 1, 'advice logged once');
});

void it('still becomes ready when inotify fails during the initial crawl', async () => {
  failWith = enospc;
  await start().ready; // would hang forever if only the failed watcher could resolve it
  assert.deepEqual(polling, [true]);
});

void it('passes other errors through without switching', async () => {
  failWith = () => Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  await start().ready;
  assert.equal(errors[0]?.message, 'EACCES: permission denied');
  assert.deepEqual(polling, []);
});

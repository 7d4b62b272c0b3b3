import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { watch, type FSWatcher } from 'chokidar';
import { watchMedia, type MediaWatcher, type WatchEvent } from '../../server/media/watcher.js';
import { tempDir, waitFor } from '../helpers/spis.js';

/** What a real inotify exhaustion looks like when chokidar reports it. */
const enospc = () => Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });

let media: Awaited<ReturnType<typeof tempDir>>;
let watcher: MediaWatcher | null = null;
let created: Array<{ watcher: FSWatcher; polling: boolean }> = [];
const events: WatchEvent[] = [];
const errors: Error[] = [];

beforeEach(async () => {
  media = await tempDir('spis-watch-');
  created = [];
  events.length = 0;
  errors.length = 0;
  await writeFile(path.join(media.dir, 'before.jpg'), 'x');
});
afterEach(async () => {
  await watcher?.close();
  watcher = null;
  await media.remove();
});

function start(): MediaWatcher {
  watcher = watchMedia(media.dir, {
    settleMs: 0,
    usePolling: false,
    fallbackPollMs: 100,
    onEvent: (event) => events.push(event),
    onError: (error) => errors.push(error),
    watchImpl: (paths, options) => {
      const instance = watch(paths, options);
      created.push({ watcher: instance, polling: options?.usePolling === true });
      return instance;
    },
  });
  return watcher;
}

void it('falls back to polling with the sysctl fix when inotify runs out, missing no file', async () => {
  const { ready } = start();
  await ready;
  await writeFile(path.join(media.dir, 'during-gap.jpg'), 'x'); // lands while inotify is "broken"
  created[0]!.watcher.emit('error', enospc());

  const advice = await waitFor(() => errors[0], { what: 'advice' });
  assert.match(advice.message, /sysctl fs\.inotify\.max_user_watches=\d+/);
  assert.match(advice.message, /polling/);
  assert.equal(created.length, 2);
  assert.equal(created[1]!.polling, true, 'the replacement polls');

  // The polling watcher re-reports what exists, so a file added in the gap is not missed…
  await waitFor(() => events.find((e) => e.kind === 'file' && e.rel === 'during-gap.jpg'), { what: 'gap file' });
  // …and follows new changes afterwards.
  await writeFile(path.join(media.dir, 'after.jpg'), 'x');
  await waitFor(() => events.find((e) => e.kind === 'file' && e.rel === 'after.jpg'), { timeoutMs: 10_000, what: 'polled file' });
  assert.equal(errors.length, 1, 'advice logged once');
});

void it('still becomes ready when inotify fails during the initial crawl', async () => {
  const { ready } = start();
  created[0]!.watcher.emit('error', enospc());
  await ready; // would hang forever if only the broken watcher could resolve it
  assert.equal(created.at(-1)!.polling, true);
});

void it('passes other errors through without switching', async () => {
  const { ready } = start();
  await ready;
  created[0]!.watcher.emit('error', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
  assert.equal(errors[0]?.message, 'EACCES: permission denied');
  assert.equal(created.length, 1);
});

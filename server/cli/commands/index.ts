import { createSpis, type Spis } from '../../app.js';
import { createLogger } from '../../ops/logger.js';
import type { IndexPhase } from '../../shared/api-types.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { configHelp } from '../help.js';
import { Progress, formatDuration } from '../progress.js';

const phaseLabel: Record<IndexPhase, string> = { walking: 'finding files', reading: 'reading metadata', watching: 'watching' };

/**
 * `spis index`: the start-up index of `serve` run once, without listening or watching, then
 * every small thumbnail rendered, so a first `serve` of a big library is ready and quick at
 * once. Progress goes to standard error; the summary to standard output.
 */
export const indexCommand: Command = {
  name: 'index',
  summary: 'index the media folder and pre-generate small thumbnails (and with --videos, playable videos), then exit',
  usage: `spis index [--videos] [options]\n\nIndexes the media folder (reusing the saved index for unchanged files), then renders\nevery missing small thumbnail, with a progress bar on a terminal and plain lines\notherwise. With --videos, also makes the playable MP4 of every video browsers cannot\nplay as it is (see video.transcode). Safe to run while \`spis serve\` is stopped; not while\nit runs on the same data.\n\n${configHelp()}`,
  async run(argv) {
    const { values } = parseCommandLine(argv, { videos: { type: 'boolean' } });
    const videos = values.videos === true;
    const { config } = configFromCommandLine(values);
    config.watch.enabled = false; // one pass: nothing to follow afterwards
    config.thumbnails.pregenerate = true; // the point of the command, whatever serve does
    // Logs would tear the progress bar: only warnings and worse, on standard error.
    const log = createLogger({ ...config.log, level: config.log.level === 'silent' ? 'silent' : 'warn', format: 'json' }, process.stderr);
    const spis = await createSpis(config, { log, backgroundTranscodes: videos });
    const started = Date.now();
    const interrupted = onInterrupt(spis);
    try {
      await scan(spis);
      const thumbs = await pregenerate(spis);
      const renditions = videos && !interrupted.happened ? await prepareVideos(spis) : null;
      process.stdout.write(
        `indexed ${spis.library.index.size} items (${spis.library.skipped.size} skipped); ` +
          `${thumbs.done} small thumbnails ready, ${thumbs.failed} failed; ` +
          (renditions ? `${renditions.done} videos made playable, ${renditions.failed} failed; ` : '') +
          `${formatDuration((Date.now() - started) / 1000)}\n`,
      );
      const failed = thumbs.failed > 0 || (renditions?.failed ?? 0) > 0;
      return interrupted.happened ? 130 : failed ? 1 : 0;
    } finally {
      interrupted.dispose();
      await spis.close(); // saves the index snapshot
    }
  },
};

async function scan(spis: Spis): Promise<void> {
  let progress: Progress | null = null;
  let last = { phase: null as IndexPhase | null, done: 0, total: 0 };
  const onProgress = (event: { phase: IndexPhase; done: number; total: number }) => {
    // While walking, `total` is the count found so far: shown as a count, not a bar.
    const shown = event.phase === 'walking' ? { done: event.total, total: 0 } : event;
    if (event.phase !== last.phase) {
      progress?.finish(last.done, last.total);
      progress = new Progress(phaseLabel[event.phase], process.stderr);
    }
    last = { phase: event.phase, done: shown.done, total: shown.total };
    progress!.update(shown.done, shown.total);
  };
  spis.bus.on('index.progress', onProgress);
  try {
    await spis.start();
  } finally {
    spis.bus.off('index.progress', onProgress);
  }
  const { scan: state } = spis.library;
  (progress as Progress | null)?.finish(state.done, state.total);
}

async function pregenerate(spis: Spis): Promise<{ done: number; failed: number }> {
  const { queue } = spis.thumbs;
  // The queue fills and resumes once the index is ready (after a sweep of stale files).
  while (queue.status().paused) await delay(50);
  const progress = new Progress('small thumbnails', process.stderr);
  const timer = setInterval(() => {
    const now = queue.status();
    progress.update(now.done + now.failed, now.done + now.failed + now.queued + now.running);
  }, 100);
  try {
    await queue.idle();
  } finally {
    clearInterval(timer);
  }
  const { done, failed } = queue.status();
  progress.finish(done + failed, done + failed);
  return { done, failed };
}

/** Waits for the transcode queue with a progress bar (its status counts this run's jobs). */
async function prepareVideos(spis: Spis): Promise<{ done: number; failed: number }> {
  const { playback } = spis.video;
  const progress = new Progress('playable videos', process.stderr);
  const timer = setInterval(() => {
    const now = playback.status();
    const current = now.current.reduce((sum, job) => sum + job.progress, 0);
    progress.update(Math.floor(now.done + now.failed + current), now.done + now.failed + now.queued + now.running);
  }, 200);
  try {
    await playback.idle();
  } finally {
    clearInterval(timer);
  }
  const { done, failed } = playback.status();
  progress.finish(done + failed, done + failed);
  return { done, failed };
}

/** Ctrl-C stops the pass cleanly: the index so far is saved, the next run resumes. */
function onInterrupt(spis: Spis): { happened: boolean; dispose(): void } {
  const state = { happened: false, dispose: () => undefined as void };
  const handler = () => {
    state.happened = true;
    process.stderr.write('\ninterrupted: saving what is done\n');
    spis.thumbs.queue.stop();
    void spis.video.close();
    void spis.library.close();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  state.dispose = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  return state;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

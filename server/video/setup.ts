import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import type { StatusSections } from '../api/status-route.js';
import type { Config } from '../config/schema.js';
import type { Library } from '../media/library.js';
import type { MediaRecord } from '../media/record.js';
import type { VideoTools } from '../media/video-probe.js';
import type { Logger } from '../ops/logger.js';
import { PlaybackService } from './playback-service.js';
import { RenditionStore } from './rendition-store.js';
import { Transcoder } from './transcoder.js';

export interface VideoDeps {
  config: Config;
  library: Library;
  log: Logger;
  status: StatusSections;
  tools: VideoTools;
  thumbnailsIdle: () => Promise<void>;
  /** false: nothing is transcoded (a CLI run that only indexes). */
  background: boolean;
}

export interface Video {
  playback: PlaybackService;
  store: RenditionStore;
  /** Set by the composition root: where progress ticks and state changes go. */
  onProgress: (record: MediaRecord) => void;
  onChange: (record: MediaRecord) => void;
  close(): Promise<void>;
}

/** Builds playback decisions, the rendition store and the transcode queue, following the library. */
export async function setupVideo({
  config,
  library,
  log,
  status,
  tools,
  thumbnailsIdle,
  background,
}: VideoDeps): Promise<Video> {
  const settings = config.video;
  const store = new RenditionStore(path.join(config.data, 'videos'), settings.cacheBytes);
  await store.open();
  const transcoder = tools.ffmpeg ? new Transcoder(tools.ffmpeg, await findNice()) : null;
  const video: Video = {
    store,
    onProgress: () => undefined,
    onChange: () => undefined,
    playback: new PlaybackService({
      library,
      store,
      transcoder,
      log,
      thumbnailsIdle,
      mode: settings.transcode,
      settings: {
        maxHeight: settings.maxHeight,
        crf: settings.crf,
        preset: settings.preset,
        encoder: settings.hwaccel,
      },
      concurrency: settings.concurrency,
      background,
      timeoutMs: settings.timeoutSeconds * 1000,
      stallMs: settings.stallSeconds * 1000,
      onProgress: (record) => video.onProgress(record),
      onChange: (record) => video.onChange(record),
    }),
    async close() {
      await video.playback.close();
    },
  };
  const { playback } = video;
  const forget = (id: string, keep: string | null) =>
    void store
      .forget(id, keep)
      .catch((error: Error) =>
        log.warn({ err: error.message }, 'could not delete old video renditions'),
      );
  library.on('record.upserted', (record, previous) => {
    if (previous && previous.version !== record.version) forget(previous.id, record.version);
    playback.enqueue(record);
  });
  library.on('record.removed', (record) => {
    playback.remove(record.id);
    forget(record.id, null);
  });
  // Like thumbnails: after the start-up walk, so files gone meanwhile are not transcoded.
  void library.verified.then(() => {
    for (const record of library.index.all()) playback.enqueue(record);
    playback.resume();
  });
  status.set('transcode', () => playback.status());
  return video;
}

/** `nice` lowers ffmpeg's CPU priority; systems without it run ffmpeg as is. */
async function findNice(): Promise<string | null> {
  for (const candidate of ['/usr/bin/nice', '/bin/nice']) {
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return null;
}

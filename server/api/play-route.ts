import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Library } from '../media/library.js';
import type { PlaybackService } from '../video/playback-service.js';
import type { RenditionStore } from '../video/rendition-store.js';
import { AppError } from './errors.js';
import { requireRecord } from './media-routes.js';
import { sendFile } from './send-file.js';

/**
 * `GET /api/media/:id/play`: the bytes a browser can play. The original when it plays
 * everywhere, else the rendition from the data folder; 503 (with Retry-After) while that is
 * being prepared, which also moves it to the front of the queue; 422 with the reason when it
 * cannot be played. Ranges for seeking; cached for a year when `v` is the item's version.
 */
export function playRoute(
  library: Library,
  playback: PlaybackService,
  store: RenditionStore,
): Router {
  const router = createRouter({ prefix: '/api' });
  router.get('/media/:id/play', async (ctx) => {
    const record = requireRecord(library, ctx.params.id);
    if (record.type !== 'video')
      throw new AppError('unprocessable_media', 'this item is not a video');
    const decision = playback.decide(record);
    if (decision.serve === 'none')
      throw new AppError('unprocessable_media', `the video cannot be played: ${decision.reason}`);
    if (decision.serve === 'original') {
      const abs = await library.resolveFile(record);
      return sendFile(ctx, abs, {
        type: decision.mime,
        etag: `${record.version}-o`,
        cacheControl: cacheControlFor(ctx.query.v === record.version),
      });
    }
    if (store.has(record.id, record.version)) {
      store.touch(record.id, record.version);
      return sendFile(ctx, store.fileFor(record.id, record.version), {
        type: 'video/mp4',
        etag: `${record.version}-r`,
        cacheControl: cacheControlFor(ctx.query.v === record.version),
      });
    }
    const state = playback.playbackOf(record);
    if (state?.error)
      throw new AppError('unprocessable_media', `the video cannot be played: ${state.error}`);
    playback.request(record);
    const percent = Math.round((state?.progress ?? 0) * 100);
    throw new AppError('unavailable', `the video is being prepared (${percent} %)`, {
      'Retry-After': '5',
    });
  });
  return router;
}

/** The URL carries the version: a changed file gets a new URL, so it may be kept for good. */
function cacheControlFor(versioned: boolean): string {
  return versioned ? 'private, max-age=31536000, immutable' : 'private, no-cache';
}

import { open } from 'node:fs/promises';
import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Context } from 'koa';
import type { Library } from '../media/library.js';
import type { PlaybackService } from '../video/playback-service.js';
import type { RenditionStore } from '../video/rendition-store.js';
import { AppError, notFound } from './errors.js';
import { notModified } from './conditional.js';
import { requireRecord } from './media-routes.js';
import { pickRange } from './original-route.js';

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
      return sendFile(
        ctx,
        abs,
        decision.mime,
        `${record.version}-o`,
        ctx.query.v === record.version,
      );
    }
    if (store.has(record.id, record.version)) {
      store.touch(record.id, record.version);
      return sendFile(
        ctx,
        store.fileFor(record.id, record.version),
        'video/mp4',
        `${record.version}-r`,
        ctx.query.v === record.version,
      );
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

async function sendFile(
  ctx: Context,
  abs: string | null,
  type: string,
  etag: string,
  versioned: boolean,
): Promise<void> {
  const handle = abs ? await open(abs, 'r').catch(() => null) : null;
  if (!handle) throw notFound('media file');
  try {
    const info = await handle.stat();
    ctx.status = 200;
    ctx.type = type;
    ctx.etag = etag;
    ctx.lastModified = info.mtime;
    ctx.set('Accept-Ranges', 'bytes');
    // The URL carries the version: a changed file gets a new URL, so it may be kept for good.
    ctx.set(
      'Cache-Control',
      versioned ? 'private, max-age=31536000, immutable' : 'private, no-cache',
    );
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (notModified(ctx)) {
      ctx.status = 304;
      await handle.close();
      return;
    }
    const range = pickRange(ctx, info.size);
    if (range) {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? info.size - 1;
    ctx.length = info.size === 0 ? 0 : end - start + 1;
    ctx.body = info.size === 0 ? '' : handle.createReadStream({ start, end, autoClose: true });
    if (info.size === 0) await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

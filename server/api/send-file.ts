import { open } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { Context } from 'koa';
import parseRange from 'range-parser';
import { AppError, notFound } from './errors.js';
import { notModified } from './conditional.js';

export interface SendFileOptions {
  type: string;
  /** The entity tag, or how to make it from the opened file's facts. */
  etag: string | ((info: Stats) => string);
  cacheControl: string;
}

/**
 * Sends a file with single byte ranges (video seeking), validators and a fixed content type.
 * The file is opened once and read through that handle, so the size in the headers is the
 * size of what is sent.
 */
export async function sendFile(
  ctx: Context,
  abs: string | null,
  options: SendFileOptions,
): Promise<void> {
  const handle = abs ? await open(abs, 'r').catch(() => null) : null;
  if (!handle) throw notFound('media file');
  try {
    const info = await handle.stat();
    ctx.status = 200;
    ctx.type = options.type;
    ctx.etag = typeof options.etag === 'string' ? options.etag : options.etag(info);
    ctx.lastModified = info.mtime;
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('Cache-Control', options.cacheControl);
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
    // The stream owns the handle from here and closes it when done or aborted.
    ctx.body = info.size === 0 ? '' : handle.createReadStream({ start, end, autoClose: true });
    if (info.size === 0) await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** One satisfiable range, or null for "send it all" (no header, stale If-Range, several ranges). */
export function pickRange(ctx: Context, size: number): { start: number; end: number } | null {
  const header = ctx.get('Range');
  if (!header || !ifRangeMatches(ctx)) return null;
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) {
    throw new AppError(
      'range_not_satisfiable',
      `range ${header.slice(0, 40)} is outside the file (${size} bytes)`,
      {
        'Content-Range': `bytes */${size}`,
      },
    );
  }
  // Malformed headers are ignored as RFC 9110 asks; several ranges are answered whole.
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return null;
  return ranges[0]!;
}

function ifRangeMatches(ctx: Context): boolean {
  const condition = ctx.get('If-Range');
  if (!condition) return true;
  if (condition.startsWith('"') || condition.startsWith('W/'))
    return condition === ctx.response.get('ETag');
  const since = Date.parse(condition);
  const modified = Date.parse(ctx.response.get('Last-Modified'));
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

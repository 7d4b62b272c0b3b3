import type { Middleware } from 'koa';
import compress from 'koa-compress';
import zlib from 'node:zlib';

/**
 * Brotli or gzip (by `Accept-Encoding`) for the JSON API. A 120-item `/api/media` page is
 * ~65 KB as JSON and ~11 KB compressed; on a phone that is the difference that matters.
 * Thumbnails, originals and transforms are already compressed (and originals answer Range
 * requests, whose byte offsets name the unencoded body): they are left out entirely, so
 * they carry no `Vary: Accept-Encoding` either. Static files compress themselves, once.
 */
export function apiCompression(): Middleware {
  const inner = compress({
    threshold: 1024,
    // Quality 4 is brotli's cheap setting: smaller than gzip -6 at a similar CPU cost.
    br: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
    gzip: { level: 6 },
    deflate: false,
    zstd: false,
    filter: (type) => /^application\/(?:[\w.+-]+\+)?json\b/.test(type) || type.startsWith('text/'),
  });
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/api/') || MEDIA_BYTES.test(ctx.path)) return next();
    await inner(ctx, next);
    // An encoded body is another representation: a strong validator must not claim the
    // same bytes as the identity one (weak comparison still answers If-None-Match).
    const etag = (ctx.response.get('ETag') as string | undefined) ?? '';
    if (ctx.response.get('Content-Encoding') && etag.startsWith('"')) ctx.set('ETag', `W/${etag}`);
  };
}

/** Routes whose bodies are images or video: /thumb/:size, /original, /image and named transform outputs. */
const MEDIA_BYTES = /^\/api\/media\/[^/]+\/(?:thumb\/[^/]+|original|image|[^/]+\.[a-z0-9]+)$/i;

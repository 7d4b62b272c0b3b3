import type { Context, Middleware } from 'koa';
import compress from 'koa-compress';
import Negotiator from 'negotiator';
import { ENCODING_OPTIONS, encodedBody, isShared } from './shared-bodies.js';

const THRESHOLD = 1024;
const COMPRESSIBLE = (type: string) => /^application\/(?:[\w.+-]+\+)?json\b/.test(type) || type.startsWith('text/');
/** What koa-compress offers with zstd and deflate off, in its order of preference. */
const OFFERED = ['br', 'gzip', 'identity'];
const PREFERENCE = ['zstd', 'br', 'gzip', 'deflate', 'identity'];
const NO_TRANSFORM = /(?:^|,)\s*?no-transform\s*?(?:,|$)/;

/**
 * Brotli or gzip (by `Accept-Encoding`) for the JSON API. A 120-item `/api/media` page is
 * ~65 KB as JSON and ~11 KB compressed; on a phone that is the difference that matters.
 * Thumbnails, originals and transforms are already compressed (and originals answer Range
 * requests, whose byte offsets name the unencoded body): they are left out entirely, so
 * they carry no `Vary: Accept-Encoding` either. Static files compress themselves, once.
 * Shared bodies (cached listing pages, see shared-bodies.ts) are encoded once per page and
 * encoding instead of once per request; everything else streams through koa-compress.
 */
export function apiCompression(): Middleware {
  const inner = compress({
    threshold: THRESHOLD,
    br: ENCODING_OPTIONS.br,
    gzip: ENCODING_OPTIONS.gzip,
    deflate: false,
    zstd: false,
    filter: COMPRESSIBLE,
  });
  const afterRoute = (ctx: Context, next: () => Promise<unknown>) => async () => {
    await next();
    encodeShared(ctx);
  };
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/api/') || MEDIA_BYTES.test(ctx.path)) return next();
    await inner(ctx, afterRoute(ctx, next));
    // An encoded body is another representation: a strong validator must not claim the
    // same bytes as the identity one (weak comparison still answers If-None-Match).
    const etag = (ctx.response.get('ETag') as string | undefined) ?? '';
    if (etag.startsWith('"') && ctx.response.get('Content-Encoding')) ctx.set('ETag', `W/${etag}`);
  };
}

/**
 * A shared body koa-compress would encode gets its cached encoded form; one it would send
 * as is is marked so (`ctx.compress = false`). Anything unusual is left to koa-compress.
 */
function encodeShared(ctx: Context): void {
  const body: unknown = ctx.body;
  if (!isShared(body) || body.length < THRESHOLD || ctx.status !== 200 || ctx.method === 'HEAD' || ctx.compress !== undefined) return;
  if (ctx.response.get('Content-Encoding') || ctx.response.get('Content-Range') || !COMPRESSIBLE(ctx.response.type)) return;
  if (NO_TRANSFORM.test(String(ctx.response.get('Cache-Control') ?? ''))) return;
  const encoding = negotiate(ctx.request.headers['accept-encoding']);
  if (encoding === 'identity') {
    ctx.compress = false;
  } else if (encoding === 'br' || encoding === 'gzip') {
    ctx.body = encodedBody(body, encoding);
    ctx.set('Content-Encoding', encoding);
  }
}

interface WithPreference {
  encoding(available: string[], options: { preferred: string[] }): string | undefined;
}

/** Few distinct Accept-Encoding headers exist (one per browser): each is negotiated once. */
const negotiated = new Map<string, string | undefined>();

/** The encoding koa-compress picks for this Accept-Encoding (same library, same rules). */
export function negotiate(header: string | undefined): string | undefined {
  // koa-compress reads a missing header as identity and `*` as gzip.
  const accept = !header ? 'identity' : header === '*' ? 'gzip' : header;
  if (negotiated.has(accept)) return negotiated.get(accept);
  const negotiator = new Negotiator({ headers: { 'accept-encoding': accept } });
  // negotiator 1.x takes the preference order; its typings predate the option.
  const encoding = (negotiator as unknown as WithPreference).encoding(OFFERED, { preferred: PREFERENCE });
  if (negotiated.size >= 64) negotiated.clear();
  negotiated.set(accept, encoding);
  return encoding;
}

/** Routes whose bodies are images or video: /thumb/:size, /original, /image and named transform outputs. */
const MEDIA_BYTES = /^\/api\/media\/[^/]+\/(?:thumb\/[^/]+|original|image|[^/]+\.[a-z0-9]+)$/i;

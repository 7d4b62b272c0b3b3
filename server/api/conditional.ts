import type { Context } from 'koa';

/**
 * RFC 9110 conditional GET against the ETag / Last-Modified already set on the response.
 * Koa's `ctx.fresh` says "stale" whenever the request carries `Cache-Control: no-cache`,
 * which fetch() adds to every conditional request; an origin may still answer 304 then.
 */
export function notModified(ctx: Context): boolean {
  const ifNoneMatch = ctx.get('If-None-Match');
  if (ifNoneMatch) return etagListMatches(ifNoneMatch, ctx.response.get('ETag'));
  const since = Date.parse(ctx.get('If-Modified-Since'));
  const modified = Date.parse(ctx.response.get('Last-Modified'));
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

/** Weak comparison, as If-None-Match asks: `W/"x"` matches `"x"`. */
export function etagListMatches(header: string, etag: string): boolean {
  if (!etag) return false;
  if (header.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => bare(tag) === bare(etag));
}

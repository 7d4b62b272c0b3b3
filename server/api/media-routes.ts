import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Context } from 'koa';
import { readExifDetail } from '../media/exif-detail.js';
import type { Library } from '../media/library.js';
import type { MediaFilter } from '../media/media-index.js';
import type { MediaRecord } from '../media/record.js';
import type { ApiItemDetail } from '../shared/api-types.js';
import { notFound } from './errors.js';
import { MediaListing } from './media-listing.js';
import { parseFilter, timelineKeys, type RawQuery } from './media-query.js';

const ID_PATTERN = /^[A-Za-z0-9_-]{16}$/;
/** What `ctx.type = 'application/json'` sets, without the lookup per request. */
const JSON_TYPE = 'application/json; charset=utf-8';

/** Finds the record for `:id`, or answers 404 without hinting whether the id ever existed. */
export function requireRecord(library: Library, id: string | undefined): MediaRecord {
  const record = id && ID_PATTERN.test(id) ? library.index.getById(id) : undefined;
  if (!record) throw notFound('media item');
  return record;
}

/** Listing, detail, timeline, folders and marks: everything read from the index. */
export function mediaRoutes(library: Library, listing = new MediaListing(library)): Router {
  const router = createRouter({ prefix: '/api' });
  router.get('/media', (ctx) => {
    const body = listing.body(ctx.querystring, () => ctx.query as RawQuery, (ctx.state as { scope?: MediaFilter['scope'] }).scope);
    noStore(ctx);
    ctx.set('Content-Type', JSON_TYPE);
    ctx.body = body;
  });

  router.get('/media/:id', async (ctx) => {
    const record = requireRecord(library, ctx.params.id);
    const abs = record.type === 'image' ? await library.resolveFile(record) : null;
    const body: ApiItemDetail = { ...library.present(record), exif: abs ? await readExifDetail(abs) : {} };
    noStore(ctx);
    ctx.body = body;
  });

  const mark = (field: 'favorite' | 'archived', value: boolean) => async (ctx: Context & { params: Record<string, string> }) => {
    const record = requireRecord(library, ctx.params.id);
    const item = await library.setMarks(record.id, { [field]: value });
    if (!item) throw notFound('media item');
    noStore(ctx);
    ctx.body = item;
  };
  router.put('/media/:id/favorite', mark('favorite', true));
  router.delete('/media/:id/favorite', mark('favorite', false));
  router.put('/media/:id/archive', mark('archived', true));
  router.delete('/media/:id/archive', mark('archived', false));

  router.get('/timeline', (ctx) => {
    const filter = parseFilter(ctx.query as RawQuery, timelineKeys);
    noStore(ctx);
    ctx.body = library.index.timeline(scoped(ctx, filter), library.marksOf);
  });

  router.get('/folders', (ctx) => {
    const filter = parseFilter(ctx.query as RawQuery, timelineKeys);
    noStore(ctx);
    ctx.body = library.index.folders(scoped(ctx, filter), library.marksOf);
  });

  return router;
}

/** Narrows a listing to what the caller may see (a share link's items); see server/auth. */
function scoped(ctx: Context, filter: MediaFilter): MediaFilter {
  const scope = (ctx.state as { scope?: MediaFilter['scope'] }).scope;
  return scope ? { ...filter, scope } : filter;
}

function noStore(ctx: Context): void {
  // Listings change with every new photo; the service worker keeps its own offline copy.
  ctx.set('Cache-Control', 'no-cache');
}

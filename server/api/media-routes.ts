import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Context } from 'koa';
import { encodeCursor } from '../media/cursor.js';
import { readExifDetail } from '../media/exif-detail.js';
import type { Library } from '../media/library.js';
import type { MediaFilter } from '../media/media-index.js';
import type { MediaRecord } from '../media/record.js';
import type { ApiItemDetail, MediaPage } from '../shared/api-types.js';
import { notFound } from './errors.js';
import { ItemJsonCache } from './item-json.js';
import { PageBodyCache } from './page-body-cache.js';
import { parseFilter, parseMediaQuery, timelineKeys, type MediaQuery, type RawQuery } from './media-query.js';
import { LRUCache } from 'lru-cache';

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
export function mediaRoutes(library: Library): Router {
  const router = createRouter({ prefix: '/api' });
  const items = new ItemJsonCache(library.marksOf, undefined, (record) => library.playbackOf(record), library.livePhotoOf);
  const pages = new PageBodyCache();

  // Everyone scrolling sends the same few query strings and reaches the same page ends:
  // each is parsed, or turned into a cursor, once (both depend on the text alone).
  const queries = new LRUCache<string, MediaQuery>({ max: 512 });
  const tails = new LRUCache<string, string>({ max: 2048 });
  router.get('/media', (ctx) => {
    const querystring = ctx.querystring;
    let query = queries.get(querystring);
    if (!query) {
      query = frozen(parseMediaQuery(ctx.query as RawQuery));
      queries.set(querystring, query);
    }
    const page = library.index.page(scoped(ctx, query.filter), library.marksOf, query.order, query.limit, query.cursor);
    const next = page.next;
    const tailKey = next ? `${query.order} ${next.t} ${next.id}` : '';
    let tail = tails.get(tailKey);
    if (tail === undefined) {
      const nextCursor: MediaPage['nextCursor'] = next ? encodeCursor({ ...next, order: query.order }) : null;
      tail = `,"nextCursor":${JSON.stringify(nextCursor)}}`;
      tails.set(tailKey, tail);
    }
    noStore(ctx);
    ctx.set('Content-Type', JSON_TYPE);
    // A MediaPage, assembled from cached item JSON (see ItemJsonCache and PageBodyCache).
    ctx.body = pages.body(querystring, page.records.map((record) => items.json(record)), tail);
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

/** A parsed query shared by later requests: frozen, so no request can change it for the next. */
function frozen(query: MediaQuery): MediaQuery {
  Object.freeze(query.filter);
  if (query.cursor) Object.freeze(query.cursor);
  return Object.freeze(query);
}

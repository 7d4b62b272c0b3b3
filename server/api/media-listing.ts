import { LRUCache } from 'lru-cache';
import { encodeCursor } from '../media/cursor.js';
import type { Library } from '../media/library.js';
import type { MediaFilter } from '../media/media-index.js';
import type { MediaPage } from '../shared/api-types.js';
import { ItemJsonCache } from './item-json.js';
import { PageBodyCache } from './page-body-cache.js';
import { parseMediaQuery, type MediaQuery, type RawQuery } from './media-query.js';

/**
 * `GET /api/media` bodies: one listing page as UTF-8 JSON (a MediaPage), assembled from cached
 * item JSON (ItemJsonCache) and kept whole while nothing in it changes (PageBodyCache). The
 * route answers with it, and the app shell inlines the first page from the same place.
 */
export class MediaListing {
  readonly items: ItemJsonCache;
  private readonly pages = new PageBodyCache();
  // Everyone scrolling sends the same few query strings and reaches the same page ends:
  // each is parsed, or turned into a cursor, once (both depend on the text alone).
  private readonly queries = new LRUCache<string, MediaQuery>({ max: 512 });
  private readonly tails = new LRUCache<string, string>({ max: 2048 });

  constructor(private readonly library: Library) {
    this.items = new ItemJsonCache(
      library.marksOf,
      undefined,
      (record) => library.playbackOf(record),
      library.livePhotoOf,
    );
  }

  /**
   * The page for `querystring` (`raw` parses it, asked only on a cache miss), narrowed to
   * `scope` (a share link's items) when given. Throws the API's 400 for a malformed query.
   */
  body(querystring: string, raw: () => RawQuery, scope?: MediaFilter['scope']): Buffer {
    let query = this.queries.get(querystring);
    if (!query) {
      query = frozen(parseMediaQuery(raw()));
      this.queries.set(querystring, query);
    }
    const filter = scope ? { ...query.filter, scope } : query.filter;
    const page = this.library.index.page(
      filter,
      this.library.marksOf,
      query.order,
      query.limit,
      query.cursor,
    );
    const next = page.next;
    const tailKey = next ? `${query.order} ${next.t} ${next.id}` : '';
    let tail = this.tails.get(tailKey);
    if (tail === undefined) {
      const nextCursor: MediaPage['nextCursor'] = next
        ? encodeCursor({ ...next, order: query.order })
        : null;
      tail = `,"nextCursor":${JSON.stringify(nextCursor)}}`;
      this.tails.set(tailKey, tail);
    }
    // A scoped page is another page: it never shares a cache entry with the unscoped one.
    const key = scope ? `${querystring}\u0000scoped` : querystring;
    return this.pages.body(
      key,
      page.records.map((record) => this.items.json(record)),
      tail,
    );
  }
}

/** A parsed query shared by later requests: frozen, so no request can change it for the next. */
function frozen(query: MediaQuery): MediaQuery {
  Object.freeze(query.filter);
  if (query.cursor) Object.freeze(query.cursor);
  return Object.freeze(query);
}

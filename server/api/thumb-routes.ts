import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Library } from '../media/library.js';
import { isRendition, mimeOf } from '../thumbs/formats.js';
import { negotiateFormat } from '../thumbs/negotiate.js';
import type { Thumbnails } from '../thumbs/setup.js';
import { invalidParameter } from './errors.js';
import { notModified } from './conditional.js';
import { requireRecord } from './media-routes.js';

/** Long, immutable caching is only safe when the URL names the version it shows. */
export const immutableCaching = 'public, max-age=31536000, immutable';
export const shortCaching = 'public, max-age=60, must-revalidate';

/** `GET /api/media/:id/thumb/:size`: small / large renditions, format by `Accept`. */
export function thumbRoutes(library: Library, thumbs: Thumbnails, policy: { avif: boolean; webp: boolean }): Router {
  const router = createRouter({ prefix: '/api' });
  router.get('/media/:id/thumb/:size', async (ctx) => {
    const record = requireRecord(library, ctx.params.id);
    const size = ctx.params.size;
    if (!isRendition(size)) throw invalidParameter('size', 'small or large', size);
    const format = negotiateFormat(ctx.get('Accept'), policy);
    ctx.vary('Accept');
    ctx.set('Cache-Control', ctx.query.v === record.version ? immutableCaching : shortCaching);
    // Known before rendering: a revalidation never costs a render.
    ctx.etag = `${record.version}-${size}-${format}`;
    ctx.status = 200;
    if (notModified(ctx)) {
      ctx.status = 304;
      return;
    }
    const data = await thumbs.service.get(record, size, format, true);
    ctx.type = mimeOf[format];
    ctx.body = data;
  });
  return router;
}

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

/** What a client that names format `f` can decode, as the `Accept` it stands for. */
const DECODES = { avif: 'image/avif,image/webp', webp: 'image/webp', jpeg: 'image/jpeg' } as const;

/** `GET /api/media/:id/thumb/:size`: small / large renditions, format by `f` or `Accept`. */
export function thumbRoutes(library: Library, thumbs: Thumbnails, policy: { avif: boolean; webp: boolean }): Router {
  const router = createRouter({ prefix: '/api' });
  router.get('/media/:id/thumb/:size', async (ctx) => {
    const record = requireRecord(library, ctx.params.id);
    const size = ctx.params.size;
    if (!isRendition(size)) throw invalidParameter('size', 'small or large', size);
    // `f` names the best format the client decodes (the PWA puts it in its URLs, so one URL
    // has one answer and caches need no `Vary`); without it, `Accept` decides.
    const declared = ctx.query.f;
    let format: ReturnType<typeof negotiateFormat>;
    if (declared === undefined) {
      format = negotiateFormat(ctx.get('Accept'), policy);
      ctx.vary('Accept');
    } else if (typeof declared === 'string' && declared in DECODES) {
      format = negotiateFormat(DECODES[declared as keyof typeof DECODES], policy);
    } else throw invalidParameter('f', 'avif, webp or jpeg', String(declared));
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

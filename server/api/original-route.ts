import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Library } from '../media/library.js';
import { requireRecord } from './media-routes.js';
import { sendFile } from './send-file.js';

/** `GET /api/media/:id/original`: the file as stored, with ranges, validators and the indexed type. */
export function originalRoute(library: Library): Router {
  const router = createRouter({ prefix: '/api' });
  router.get('/media/:id/original', async (ctx) => {
    const record = requireRecord(library, ctx.params.id);
    await sendFile(ctx, await library.resolveFile(record), {
      type: record.mime,
      etag: (info) => `${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}`,
      cacheControl: 'private, no-cache',
    });
  });
  return router;
}

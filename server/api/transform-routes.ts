import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Context } from 'koa';
import type { Library } from '../media/library.js';
import type { MediaRecord } from '../media/record.js';
import { readJsonBody } from '../auth/json-body.js';
import { batchLimitsOf, planOutputs, renderOutputs } from '../thumbs/batch-outputs.js';
import { mimeOf } from '../thumbs/formats.js';
import { parseNamedOutput } from '../thumbs/named-output.js';
import type { Thumbnails } from '../thumbs/setup.js';
import { parseTransformParams, passThroughKeys, type RawParams, type TransformLimits } from '../thumbs/transform-params.js';
import { TransformService } from '../thumbs/transform-service.js';
import { notModified } from './conditional.js';
import { invalidParameter } from './errors.js';
import { requireRecord } from './media-routes.js';
import { immutableCaching, shortCaching } from './thumb-routes.js';

/**
 * Where signed-URL checks plug in (auth is added separately): called before any parsing or
 * rendering with the request (its `expires` / `sig` query keys) and the item; throw an
 * AppError (401/403) to refuse. The default lets everything through.
 */
export type TransformGuard = (ctx: Context, record: MediaRecord) => void | Promise<void>;

export interface TransformRouteOptions {
  limits: TransformLimits & { maxBatchOutputs: number; maxBatchPixels: number };
  guard?: TransformGuard;
}

/** `GET /api/media/:id/image?…` and the named outputs `GET /api/media/:id/w200.jpg` etc. */
export function transformRoutes(library: Library, thumbs: Thumbnails, options: TransformRouteOptions): Router {
  const router = createRouter({ prefix: '/api' });
  const guard = options.guard ?? (() => undefined);

  const serve = async (ctx: Context, record: MediaRecord, raw: RawParams, version: unknown) => {
    await guard(ctx, record);
    const parsed = parseTransformParams(raw, options.limits);
    const spec = thumbs.transforms.resolve(parsed, ctx.get('Accept'));
    // Also right for aliases (`to=webp`): only a format left open depends on Accept.
    if (parsed.format === 'auto') ctx.vary('Accept');
    ctx.set('Cache-Control', version === record.version ? immutableCaching : shortCaching);
    ctx.etag = TransformService.cacheKey(record, spec);
    ctx.status = 200;
    if (notModified(ctx)) {
      ctx.status = 304;
      return;
    }
    const data = await thumbs.transforms.get(record, spec);
    ctx.type = mimeOf[spec.format];
    ctx.body = data;
  };

  // Several outputs at once: `{"outputs":["w300.jpg","x200.webp"]}` → their URLs and sizes.
  router.post('/media/:id/outputs', async (ctx) => {
    const record = requireRecord(library, ctx.params.id);
    await guard(ctx, record);
    const body = await readJsonBody(ctx);
    const unknown = Object.keys(body).find((key) => key !== 'outputs');
    if (unknown) throw invalidParameter(unknown, 'only "outputs" in the body', 'an unknown field');
    const planned = planOutputs(record, body.outputs, thumbs.transforms, batchLimitsOf(options.limits));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { outputs: await renderOutputs(record, planned, thumbs.transforms) };
  });

  router.get('/media/:id/image', async (ctx) => {
    const record = requireRecord(library, ctx.params.id);
    await serve(ctx, record, ctx.query as RawParams, ctx.query.v);
  });

  // Names that are not outputs fall through to later routes (and finally the API 404).
  router.get('/media/:id/:output', async (ctx, next) => {
    const named = parseNamedOutput(ctx.params.output ?? '');
    if (!named) return next();
    const record = requireRecord(library, ctx.params.id);
    const query = ctx.query as RawParams;
    // Only `v` and the signature keys may come with a named output: the name says the rest.
    const unknown = Object.keys(query).find((key) => !(passThroughKeys as readonly string[]).includes(key));
    if (unknown) throw invalidParameter(unknown, `no parameter besides ${passThroughKeys.join(', ')} on a named output`, query[unknown]);
    await serve(ctx, record, { ...query, ...named }, query.v);
  });
  return router;
}

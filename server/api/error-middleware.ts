import type { Middleware } from 'koa';
import type { Logger } from '../ops/logger.js';
import type { ApiError } from '../shared/api-types.js';
import { AppError } from './errors.js';

/**
 * Turns every error into `{"error":{"code","message"}}`. Client errors keep their message;
 * anything unexpected is logged in full and answered with a generic 500, so no stack trace
 * or server path ever reaches a client.
 */
export function errorMiddleware(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api/')) {
        throw new AppError('not_found', 'no such API route');
      }
    } catch (caught) {
      const error = normalize(caught);
      if (!error.expose) log.error({ err: caught, method: ctx.method, url: ctx.path }, 'request failed');
      ctx.status = error.status;
      for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
      ctx.set('Cache-Control', 'no-store');
      const body: ApiError = {
        error: { code: error.code, message: error.expose ? error.message : 'internal server error' },
      };
      ctx.body = body;
    }
  };
}

function normalize(caught: unknown): AppError {
  if (caught instanceof AppError) return caught;
  const status = (caught as { status?: unknown }).status;
  const expose = (caught as { expose?: unknown }).expose === true;
  // Errors thrown by Koa itself (body parsing, malformed URLs) carry a status and are safe to show.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = status === 413 ? 'payload_too_large' : status === 404 ? 'not_found' : 'invalid_parameter';
    const message = expose && caught instanceof Error ? caught.message : 'bad request';
    return Object.assign(new AppError(code, message), { status });
  }
  return new AppError('internal', 'internal server error');
}

import type { Context, Middleware } from 'koa';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { redactUrl } from './redact-url.js';
import type { RouteResolver } from './route-patterns.js';

/**
 * Times every request and logs one line for it. Outermost, so it sees the status the error
 * middleware settled on. The route label is the matched @koa/router pattern
 * (`/api/media/:id`), never the raw URL, so the number of series stays bounded.
 */
export function httpMiddleware(metrics: Metrics, log: Logger, resolveRoute: RouteResolver = () => null): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    metrics.httpInFlight.inc();
    try {
      await next();
    } finally {
      metrics.httpInFlight.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(ctx, resolveRoute);
      const status = ctx.status;
      const labels = { method: ctx.method, route, status: String(status) };
      metrics.httpDuration.observe(labels, seconds);
      metrics.httpRequests.inc(labels);
      // Successful reads (thumbnail scrolling) are debug so a Pi's journal is not flooded.
      const level = status >= 500 ? 'warn' : status >= 400 || (ctx.method !== 'GET' && ctx.method !== 'HEAD') ? 'info' : 'debug';
      // The line (and its redacted URL) is made only when it will be written.
      if (log.isLevelEnabled(level)) {
        // `ip` is the client the access policy judged (X-Forwarded-For's last hop with trustProxy).
        const line = { method: ctx.method, route, url: loggedUrl(ctx), status, ip: ctx.ip, ms: Math.round(seconds * 1e4) / 10 };
        log[level](line, 'request');
      }
    }
  };
}

/** Route parameters that are credentials (`/api/shares/:token`): their values never reach a log. */
const SECRET_PARAMS = ['token', 'secret', 'sig'];

function loggedUrl(ctx: Context): string {
  let url = redactUrl(ctx.originalUrl);
  const params = (ctx as Context & { params?: Record<string, string> }).params ?? {};
  for (const name of SECRET_PARAMS) {
    const value = params[name];
    if (value) url = url.split(encodeURIComponent(value)).join('[redacted]').split(value).join('[redacted]');
  }
  return url;
}

/**
 * Matched route pattern; a request refused before routing gets the pattern it was for;
 * anything no router claims (static files, 404s) shares one label.
 */
export function routeOf(ctx: Context, resolveRoute: RouteResolver = () => null): string {
  const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  const pattern = resolveRoute(ctx.method, ctx.path);
  if (pattern !== null) return pattern;
  return ctx.status === 404 ? '(unmatched)' : '(static)';
}

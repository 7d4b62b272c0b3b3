import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Context } from 'koa';
import type { Metrics } from '../ops/metrics.js';
import { AppError } from './errors.js';

export interface MetricsAccess {
  /** `metrics.public` from the config: anyone may scrape. */
  public: boolean;
  /** Extra allowance, e.g. an admin session once auth exists. */
  allow?: (ctx: Context) => boolean;
}

/**
 * Prometheus text exposition. Private by default: only loopback clients (after
 * X-Forwarded-For when trustProxy is on, because Koa's `ctx.ip` follows it) and whoever
 * `allow` admits may read it, since it reveals library size and traffic.
 */
export function metricsRoute(metrics: Metrics, access: MetricsAccess): Router {
  const router = createRouter();
  router.get('/metrics', async (ctx) => {
    if (!access.public && !isLoopback(ctx.ip) && !access.allow?.(ctx) && !isAdmin(ctx)) {
      throw new AppError('forbidden', 'metrics are served to loopback clients only (see metrics.public)');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}

export function isLoopback(ip: string): boolean {
  const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** An authenticated admin, if an auth layer put a user with a role on `ctx.state`. */
function isAdmin(ctx: Context): boolean {
  const user = (ctx.state as { user?: { role?: unknown } }).user;
  return user?.role === 'admin';
}

import Router, { type RouterOptions } from '@koa/router';

/**
 * Every spis router: strict and case-sensitive, so `/metrics/`, `/METRICS` or `/api/Media`
 * are not other names for a route. A reverse proxy blocks or rewrites exact paths, and an
 * alias it does not know about (a trailing slash, another case) would slip past it.
 */
export function createRouter(options: Omit<RouterOptions, 'strict' | 'sensitive'> = {}): Router {
  return new Router({ ...options, strict: true, sensitive: true });
}

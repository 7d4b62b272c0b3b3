import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';

/** Characters that start something other than literal text in a route path. */
const SPECIAL = /[:*{}()[\]+?!\\]/;

/**
 * Mounts routers in order, as `app.use(router.routes()); app.use(router.allowedMethods())`
 * for each would, but runs for a request only the routers with a route whose literal start
 * fits its path. Every router matched every request against all its routes before (ten
 * routers for every thumbnail), and each `allowedMethods()` added a promise; a router that
 * cannot match a path only adds an empty list to `ctx.matched`, so skipping it changes
 * nothing. One `allowedMethods()` answers 405/501/OPTIONS from what matched: every router
 * made by createRouter() implements the same methods, so any of them answers the same.
 * Routers that differ in their methods or are bound to a host are mounted the plain way.
 */
export function routerChain(routers: readonly Router[]): Middleware & { routers: readonly Router[] } {
  return Object.assign(mount(routers), { routers }); // the routers, for whoever lists the routes
}

function mount(routers: readonly Router[]): Middleware {
  const first = routers[0];
  if (!first) return (_ctx, next) => next();
  const uniform = routers.length <= 30 && routers.every((r) => r.methods.join() === first.methods.join() && !r.opts.host);
  if (!uniform) return chain(routers.flatMap((r) => [koa(r.routes()), koa(r.allowedMethods())]));

  const prefixes = routers.map(literalStarts);
  const mounted = routers.map((r) => koa(r.routes()));
  const allowed = koa(first.allowedMethods());
  const chains = new Map<number, Middleware>();
  return (ctx, next) => {
    const path = ctx.path;
    let mask = 0;
    for (let i = 0; i < prefixes.length; i++) {
      if (prefixes[i]!.some((start) => path.startsWith(start))) mask |= 1 << i;
    }
    const matched = ctx as Context & { matched?: unknown[] };
    matched.matched ??= []; // what the first router leaves when nothing matches
    let run = chains.get(mask);
    if (!run) {
      run = chain([allowed, ...mounted.filter((_, i) => mask & (1 << i))]);
      chains.set(mask, run);
    }
    return run(ctx, next);
  };
}

/** The literal text each route of a router starts with (its whole path when it has no parameters). */
export function literalStarts(router: Router): string[] {
  return router.stack.map((layer) => {
    const path = typeof layer.path === 'string' ? layer.path : '';
    const special = path.search(SPECIAL);
    return special < 0 ? path : path.slice(0, special);
  });
}

/** A router's middleware as app.use() takes it (the router adds its fields to the context itself). */
function koa(middleware: unknown): Middleware {
  return middleware as Middleware;
}

/** Runs middlewares one inside the other, then `next`. */
function chain(middlewares: readonly Middleware[]): Middleware {
  return (ctx, next) => {
    const step = (i: number): Promise<unknown> => {
      const middleware = middlewares[i];
      if (!middleware) return next();
      return Promise.resolve(middleware(ctx, (() => step(i + 1)) as Next));
    };
    return step(0) as Promise<void>;
  };
}

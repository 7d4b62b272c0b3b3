import type Router from '@koa/router';

/** Finds the route pattern (`/api/media/:id`) a method and path are for, or null. */
export type RouteResolver = (method: string, path: string) => string | null;

/**
 * Answers for requests refused before any router ran (401/403/429 from the access gate), so
 * logs and metrics name the route they were for instead of lumping them with static files.
 * Asks the routers in the order the app mounts them, as the routers themselves would.
 */
export function routePatterns(routers: readonly Router[]): RouteResolver {
  return (method, path) => {
    for (const router of routers) {
      const match = router.match(path, method);
      if (!match.route) continue;
      const layer = match.pathAndMethod.filter((candidate) => candidate.methods.length > 0).at(-1);
      if (typeof layer?.path === 'string') return layer.path;
    }
    return null;
  };
}

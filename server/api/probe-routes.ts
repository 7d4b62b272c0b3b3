import type Router from '@koa/router';
import { createRouter } from './router.js';

export interface ProbeState {
  /** True once the first index is done and until shutdown begins. */
  ready(): boolean;
  /** False while the shared state store is unreachable (writes would fail): no traffic. */
  storeUp?(): boolean;
}

/**
 * Liveness and readiness for systemd, Docker and Kubernetes. No auth and no body worth
 * caching: `live` answers while the event loop runs; `ready` says whether to send traffic.
 */
export function probeRoutes(state: ProbeState): Router {
  const router = createRouter();
  router.get('/probe/live', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'live' };
  });
  router.get('/probe/ready', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const ready = state.ready();
    const storeUp = state.storeUp?.() ?? true;
    ctx.status = ready && storeUp ? 200 : 503;
    ctx.body = { status: !ready ? 'starting' : storeUp ? 'ready' : 'store-unavailable' };
  });
  return router;
}

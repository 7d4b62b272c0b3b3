import type { StatusSections } from '../api/status-route.js';
import type { Metrics } from '../ops/metrics.js';
import type { RedisConnection } from './redis-connection.js';

/** The store's state in `/api/status` (`store`) and its operations in the metrics. */
export function observeStore(
  redis: RedisConnection | null,
  metrics: Metrics,
  status: StatusSections,
): void {
  if (!redis) {
    status.set('store', () => ({ kind: 'files' }));
    return;
  }
  let since = new Date().toISOString();
  metrics.stateStoreUp.set(redis.up ? 1 : 0);
  redis.onChange((up) => {
    since = new Date().toISOString();
    metrics.stateStoreUp.set(up ? 1 : 0);
  });
  redis.observe = (operation, seconds, failed) => {
    metrics.stateStoreDuration.observe({ operation, outcome: failed ? 'error' : 'ok' }, seconds);
    if (failed) metrics.stateStoreErrors.inc({ operation });
  };
  // The URL as logged: never the password.
  status.set('store', () => ({ kind: 'redis', url: redis.shownUrl, up: redis.up, since }));
}

import type { StatusSections } from '../api/status-route.js';
import type { Config } from '../config/schema.js';
import type { Library } from '../media/library.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { version } from '../version.js';
import type { RedisConnection } from '../state/redis-connection.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { RedisWebhookDispatcher } from '../webhooks/redis-dispatcher.js';
import type { EventBus } from './bus.js';
import { shareUploadAttribution } from './upload-fanout.js';
import { WsHub } from './ws-hub.js';

export interface LiveEventsDeps {
  config: Config;
  bus: EventBus;
  library: Library;
  log: Logger;
  metrics: Metrics;
  status: StatusSections;
  /** The shared state store: webhooks are then sent once across all replicas. */
  redis?: RedisConnection | null;
}

export interface LiveEvents {
  hub: WsHub;
  webhooks: WebhookDispatcher | RedisWebhookDispatcher;
  /** With a shared store: what only one replica knows about an event, shared with the others. */
  uploadFanout: { close(): Promise<void> } | null;
  /** Opens the outbox and resumes deliveries left by an earlier run. */
  start(): void;
}

/** Builds the two ways spis tells the outside world about changes and reports on both. */
export function createLiveEvents({ config, bus, library, log, metrics, status, redis }: LiveEventsDeps): LiveEvents {
  const hub = new WsHub({
    bus,
    log,
    hello: () => ({ version, count: library.index.size }),
    heartbeatMs: config.liveEvents.heartbeatMs,
    maxBufferedBytes: config.liveEvents.maxBufferedBytes,
    closeGraceMs: config.liveEvents.closeGraceMs,
  });
  const onOutcome = (outcome: 'success' | 'retry' | 'failed') => {
    metrics.webhookDeliveries.inc({ outcome });
    if (outcome === 'failed') metrics.webhookFailures.inc();
  };
  const webhooks = redis
    ? new RedisWebhookDispatcher({ bus, log, redis, hooks: config.webhooks, settings: config.webhookRetry, onOutcome })
    : new WebhookDispatcher({ bus, log, dataDir: config.data, hooks: config.webhooks, settings: config.webhookRetry, onOutcome });
  status.set('events', () => ({ clients: hub.clientCount, maxBufferedBytes: hub.maxBuffered, dropped: { ...hub.dropped } }));
  status.set('webhooks', () => webhooks.status());
  metrics.read('websocketClients', () => hub.clientCount);
  metrics.read('webhookBacklog', () => webhooks.status().pending);
  // Index events need no fan-out: every replica sees the shared folder and tells its own clients.
  const uploadFanout = redis ? shareUploadAttribution({ library, bus, redis, log }) : null;
  return {
    hub,
    webhooks,
    uploadFanout,
    start() {
      webhooks.start().catch((error: Error) => log.error({ err: error.message }, 'webhook outbox could not be opened'));
    },
  };
}

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Numbers other parts compute on demand (hub size, outbox length, queue length). A part
 * registers a reader with `metrics.read(name, fn)`; until then a fallback (if any) is used,
 * else the gauge reads 0.
 */
export type ReaderName = 'websocketClients' | 'webhookBacklog' | 'thumbnailQueue';

/** Running totals a cache keeps itself (hits and misses only grow), mirrored at scrape time. */
export interface CacheTotals {
  hits: number;
  misses: number;
  bytes: number;
}

/** Running totals of renders, mirrored at scrape time; `kind`: thumbnail, transform. */
export type RenderTotals = Record<string, { renders: number; failures: number }>;

/** Where `index` gauges read from; the library satisfies it. */
export interface IndexSource {
  readonly isReady: boolean;
  readonly index: { readonly size: number };
  readonly skipped: { readonly size: number };
  readonly scan: { readonly durationMs: number | null };
}

/**
 * The typed instruments every part of spis records into. One registry per app (never
 * prom-client's global one) so tests can build many apps in one process.
 * Names follow Prometheus conventions: base units (seconds, bytes), `_total` for counters.
 */
export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const readers = new Map<ReaderName, () => number | undefined>();
  const fallbacks = new Map<ReaderName, () => number | undefined>();
  const cacheReaders = new Map<string, () => CacheTotals | undefined>();
  let renderReader: () => RenderTotals | undefined = () => undefined;
  // A counter that mirrors totals kept elsewhere: each scrape sets the series to the total.
  const mirror = (counter: Counter<string>, labels: Record<string, string>, value: number) => {
    counter.remove(labels);
    counter.inc(labels, Math.max(0, value));
  };
  const readerGauge = (name: string, help: string, reader: ReaderName) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = (readers.get(reader) ?? fallbacks.get(reader))?.();
        if (typeof value === 'number' && Number.isFinite(value)) this.set(value);
        else this.reset();
      },
    });

  const metrics = {
    registry,
    /** Per matched route pattern (never the raw URL, so series stay bounded). */
    httpDuration: new Histogram({
      name: 'spis_http_request_duration_seconds',
      help: 'HTTP request duration by method, matched route pattern and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    /** Requests answered, by the same labels: a plain rate without reading histogram internals. */
    httpRequests: new Counter({
      name: 'spis_http_requests_total',
      help: 'HTTP requests answered by method, matched route pattern and status code',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpInFlight: new Gauge({ name: 'spis_http_requests_in_flight', help: 'HTTP requests being served', registers }),
    /** `size`: small, large, transform; `kind`: image or video. */
    thumbnailRender: new Histogram({
      name: 'spis_thumbnail_render_duration_seconds',
      help: 'time to render one thumbnail or transform, by size and media kind',
      labelNames: ['size', 'kind'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    /** `cache`: memory, disk, transform, … */
    cacheHits: new Counter({
      name: 'spis_cache_hits_total',
      help: 'cache hits by cache',
      labelNames: ['cache'] as const,
      registers,
      collect() {
        for (const [cache, read] of cacheReaders) {
          const totals = read();
          if (totals) mirror(this, { cache }, totals.hits);
        }
      },
    }),
    cacheMisses: new Counter({
      name: 'spis_cache_misses_total',
      help: 'cache misses by cache',
      labelNames: ['cache'] as const,
      registers,
      collect() {
        for (const [cache, read] of cacheReaders) {
          const totals = read();
          if (totals) mirror(this, { cache }, totals.misses);
        }
      },
    }),
    cacheBytes: new Gauge({
      name: 'spis_cache_bytes',
      help: 'bytes held by each cache',
      labelNames: ['cache'] as const,
      registers,
      collect() {
        for (const [cache, read] of cacheReaders) {
          const totals = read();
          if (totals) this.set({ cache }, totals.bytes);
        }
      },
    }),
    thumbnailRenders: new Counter({
      name: 'spis_thumbnail_renders_total',
      help: 'thumbnails and transforms rendered (cache misses that ran sharp or ffmpeg), by kind',
      labelNames: ['kind'] as const,
      registers,
      collect() {
        for (const [kind, totals] of Object.entries(renderReader() ?? {})) mirror(this, { kind }, totals.renders);
      },
    }),
    thumbnailRenderFailures: new Counter({
      name: 'spis_thumbnail_render_failures_total',
      help: 'renders that failed (corrupt or unsupported input, timeouts), by kind',
      labelNames: ['kind'] as const,
      registers,
      collect() {
        for (const [kind, totals] of Object.entries(renderReader() ?? {})) mirror(this, { kind }, totals.failures);
      },
    }),
    /** `outcome`: success, retry (will be tried again) or failed (given up). */
    webhookDeliveries: new Counter({
      name: 'spis_webhook_deliveries_total',
      help: 'webhook delivery attempts by outcome (success, retry, failed)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    webhookFailures: new Counter({
      name: 'spis_webhook_failures_total',
      help: 'webhook deliveries given up on (permanent error or retry window exhausted)',
      registers,
    }),
    /** Shared state store (Redis) operations by name (`marks.set`, `document.read`, …); `outcome`: ok or error. */
    stateStoreDuration: new Histogram({
      name: 'spis_state_store_operation_duration_seconds',
      help: 'time of one shared state store (Redis) operation, by operation and outcome',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    stateStoreErrors: new Counter({
      name: 'spis_state_store_errors_total',
      help: 'shared state store (Redis) operations that failed, by operation',
      labelNames: ['operation'] as const,
      registers,
    }),
    stateStoreUp: new Gauge({
      name: 'spis_state_store_up',
      help: '1 while the shared state store (Redis) is reachable, 0 while not; absent with the files store',
      registers,
    }),
    /** Registers the function a reader gauge calls at scrape time. */
    read(name: ReaderName, reader: () => number | undefined): void {
      readers.set(name, reader);
    },
    /** Mirrors a cache that counts its own hits, misses and bytes (e.g. the memory cache). */
    cacheTotals(cache: string, reader: () => CacheTotals | undefined): void {
      cacheReaders.set(cache, reader);
    },
    /** Mirrors the render counts the thumbnail pipeline keeps. */
    renderTotals(reader: () => RenderTotals | undefined): void {
      renderReader = reader;
    },
    /** Used only while no part registered a reader (e.g. a guess from `/api/status` sections). */
    fallback(name: ReaderName, reader: () => number | undefined): void {
      fallbacks.set(name, reader);
    },
  };
  readerGauge('spis_websocket_clients', 'connected WebSocket clients', 'websocketClients');
  readerGauge('spis_webhook_backlog', 'webhook deliveries waiting in the outbox', 'webhookBacklog');
  readerGauge('spis_thumbnail_queue', 'thumbnails waiting to be rendered', 'thumbnailQueue');
  collectDefaultMetrics({ register: registry, prefix: 'spis_' });
  // prom-client names three gauges `…_total`, which Prometheus reserves for counters
  // (`promtool check metrics` warns). The same numbers are the sum of the per-type gauges
  // kept beside them: `sum(spis_nodejs_active_handles)`.
  for (const name of ['handles', 'requests', 'resources']) registry.removeSingleMetric(`spis_nodejs_active_${name}_total`);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Index gauges, read from the library at scrape time so they cost nothing between scrapes. */
export function registerIndexMetrics(metrics: Metrics, library: IndexSource): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'spis_index_items',
    help: 'items in the media index',
    registers,
    collect() {
      this.set(library.index.size);
    },
  });
  new Gauge({
    name: 'spis_index_skipped_files',
    help: 'files seen but not indexed (unsupported or unreadable)',
    registers,
    collect() {
      this.set(library.skipped.size);
    },
  });
  new Gauge({
    name: 'spis_index_ready',
    help: '1 once the index is served (the snapshot on a warm start, the finished walk on a first index)',
    registers,
    collect() {
      this.set(library.isReady ? 1 : 0);
    },
  });
  new Gauge({
    name: 'spis_index_scan_duration_seconds',
    help: 'duration of the last start-up scan (walk and metadata reads)',
    registers,
    collect() {
      const ms = library.scan.durationMs;
      if (ms === null) this.reset();
      else this.set(ms / 1000);
    },
  });
}

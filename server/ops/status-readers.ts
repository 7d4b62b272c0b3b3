import type { StatusSections } from '../api/status-route.js';
import type { Metrics } from './metrics.js';

/**
 * Fallback readers for gauges owned by parts that report through `/api/status` sections
 * (WebSocket hub, webhook outbox, thumbnail queue). They read the section at scrape time and
 * look for the first numeric field among a few likely names, so a part shows up in
 * `/metrics` without touching this file; a part that calls `metrics.read()` takes precedence.
 */
export function registerStatusFallbacks(metrics: Metrics, status: StatusSections): void {
  metrics.fallback('websocketClients', () => readNumber(status, ['events', 'websocket', 'ws'], ['clients', 'connections', 'connected']));
  metrics.fallback('webhookBacklog', () => readNumber(status, ['webhooks'], ['backlog', 'pending', 'queued', 'outbox']));
  metrics.fallback('thumbnailQueue', () => readNumber(status, ['thumbnails', 'thumbs'], ['queued', 'queue', 'pending', 'waiting']));
  // The thumbnail section's running totals: render counts and the memory cache.
  metrics.renderTotals(() => {
    const section = readSection(status, 'thumbnails');
    if (!section) return undefined;
    const totals: Record<string, { renders: number; failures: number }> = {};
    if (typeof section.renders === 'number') totals.thumbnail = { renders: section.renders, failures: num(section.failures) };
    if (typeof section.transforms === 'number') totals.transform = { renders: section.transforms, failures: 0 };
    return totals;
  });
  metrics.cacheTotals('thumbnail-memory', () => {
    const cache = readSection(status, 'thumbnails')?.memoryCache as Record<string, unknown> | undefined;
    if (!cache || typeof cache.hits !== 'number') return undefined;
    return { hits: cache.hits, misses: num(cache.misses), bytes: num(cache.bytes) };
  });
}

function readSection(status: StatusSections, name: string): Record<string, unknown> | undefined {
  try {
    const value = status.get(name)?.();
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // a failing section must not break the whole scrape
  }
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

export function readNumber(status: StatusSections, sections: string[], keys: string[]): number | undefined {
  for (const section of sections) {
    const read = status.get(section);
    if (!read) continue;
    let value: unknown;
    try {
      value = read();
    } catch {
      return undefined; // a failing section must not break the whole scrape
    }
    const found = pick(value, keys);
    if (found !== undefined) return found;
  }
  return undefined;
}

function pick(value: unknown, keys: string[]): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  for (const key of keys) {
    const field = record[key];
    if (typeof field === 'number') return field;
    // `{ queue: { length: 3 } }` or `{ backlog: { count: 3 } }`
    if (field && typeof field === 'object') {
      const nested = (field as Record<string, unknown>).length ?? (field as Record<string, unknown>).count;
      if (typeof nested === 'number') return nested;
    }
  }
  return undefined;
}

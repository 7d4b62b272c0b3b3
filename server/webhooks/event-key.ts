import { createHash } from 'node:crypto';
import type { WebhookEvent } from './delivery.js';

/**
 * The identity of an event, the same on every replica that sees it: replicas index one shared
 * media folder, so each of them announces the same new file, and only the first announcement
 * of a key may become deliveries. Null for events that belong to one replica (its own index
 * completing), which are sent as they are.
 *
 * - A payload's own `eventKey` wins (a change fanned out between replicas carries one).
 * - Media events are keyed by item id and content version (fingerprint, size, mtime), and an
 *   update also by what it changes for receivers (marks, playability): a file copied in once
 *   is added once; edited, it is updated once per new version.
 */
export function eventKeyOf(event: WebhookEvent, data: unknown): string | null {
  const payload = (data ?? {}) as {
    eventKey?: unknown;
    item?: ItemFacts;
    id?: unknown;
    version?: unknown;
  };
  if (typeof payload.eventKey === 'string' && payload.eventKey !== '')
    return `${event}|${payload.eventKey}`;
  switch (event) {
    case 'media.added':
      return payload.item ? `${event}|${payload.item.id}|${payload.item.version}` : null;
    case 'media.updated': {
      const item = payload.item;
      if (!item) return null;
      const marks = `${item.favorite ? 'f' : '-'}${item.archived ? 'a' : '-'}`;
      const playable = item.playback
        ? item.playback.ready
          ? 'ready'
          : item.playback.error
            ? 'error'
            : 'pending'
        : '';
      return `${event}|${item.id}|${item.version}|${marks}|${playable}`;
    }
    case 'media.removed':
      return typeof payload.id === 'string'
        ? `${event}|${payload.id}|${typeof payload.version === 'string' ? payload.version : ''}`
        : null;
    case 'index.completed':
      return null;
  }
}

interface ItemFacts {
  id: string;
  version: string;
  favorite?: boolean;
  archived?: boolean;
  playback?: { ready: boolean; error: string | null } | null;
}

/**
 * A delivery id derived from the event key and the webhook, shaped like a UUID: every replica
 * would name the delivery alike, so even a second enqueue could never look like a new event.
 */
export function deliveryIdOf(eventKey: string, hookIndex: number, url: string): string {
  const hex = createHash('sha256').update(`${eventKey}\n${hookIndex}\n${url}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The payload as receivers get it: the fields that only name an event between replicas
 * (`eventKey`, a removed record's `version`) stay inside.
 */
export function webhookData(event: WebhookEvent, data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  const rest = { ...(data as Record<string, unknown>) };
  delete rest.eventKey;
  if (event === 'media.removed') delete rest.version;
  return rest;
}

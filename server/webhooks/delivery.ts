import type { WebhookConfig } from '../config/schema.js';
import { signPayload } from './signature.js';

/** Events a webhook can receive. `index.progress` is for live screens only, never webhooks. */
export const WEBHOOK_EVENTS = ['media.added', 'media.updated', 'media.removed', 'index.completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** One POST to one receiver, as kept in the outbox. `body` is the exact text signed and sent. */
export interface Delivery {
  id: string;
  event: WebhookEvent;
  url: string;
  body: string;
  /** Epoch ms the event happened; the retry window is measured from here. */
  createdAt: number;
  failures: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export function isWebhookEvent(name: string): name is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(name);
}

export function wantsEvent(hook: Pick<WebhookConfig, 'events'>, event: WebhookEvent): boolean {
  return hook.events.includes('*') || hook.events.includes(event);
}

/** The JSON body: `data` holds the event's payload (`{item}` for media events). */
export function buildBody(id: string, event: WebhookEvent, createdAt: number, data: unknown): string {
  return JSON.stringify({ id, event, timestamp: new Date(createdAt).toISOString(), data });
}

export function newDelivery(id: string, event: WebhookEvent, url: string, createdAt: number, data: unknown): Delivery {
  return { id, event, url, body: buildBody(id, event, createdAt, data), createdAt, failures: 0, nextAttemptAt: createdAt, lastError: null };
}

/**
 * Headers of one attempt. The timestamp is the send time, so each retry is signed afresh
 * while the delivery id stays the same for receivers to de-duplicate on.
 */
export function deliveryHeaders(delivery: Pick<Delivery, 'id' | 'event' | 'body'>, secret: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'content-type': 'application/json',
    'user-agent': 'spis-webhooks',
    'x-spis-event': delivery.event,
    'x-spis-delivery': delivery.id,
    'x-spis-timestamp': timestamp,
    'x-spis-signature': signPayload(secret, timestamp, delivery.body),
  };
}

/** Whether a value read back from disk is a delivery this version can send. */
export function isDelivery(value: unknown): value is Delivery {
  const d = value as Partial<Delivery> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.id === 'string' &&
    typeof d.url === 'string' &&
    typeof d.body === 'string' &&
    typeof d.event === 'string' &&
    isWebhookEvent(d.event) &&
    typeof d.createdAt === 'number' &&
    typeof d.failures === 'number' &&
    typeof d.nextAttemptAt === 'number'
  );
}

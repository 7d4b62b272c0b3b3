import type { WebhookConfig } from '../config/schema.js';
import type { BusEvents, EventBus } from '../events/bus.js';
import {
  deliveryHeaders,
  wantsEvent,
  WEBHOOK_EVENTS,
  type Delivery,
  type WebhookEvent,
} from './delivery.js';
import { classifyStatus, type AttemptOutcome } from './retry-policy.js';
import type { Sender } from './sender.js';

export interface AttemptContext {
  hooks: readonly WebhookConfig[];
  send: Sender;
  now: number;
  timeoutMs: number;
}

/**
 * One try of one delivery, whichever outbox holds it: signed with the secret of the hook as
 * configured now (a hook removed since the event fails it instead of sending unsigned).
 */
export async function attemptDelivery(
  delivery: Delivery,
  { hooks, send, now, timeoutMs }: AttemptContext,
  signal: AbortSignal,
): Promise<AttemptOutcome> {
  const hook = hooks.find((h) => h.url === delivery.url && wantsEvent(h, delivery.event));
  if (!hook) return { kind: 'failed', reason: 'webhook is no longer configured' };
  try {
    const { status } = await send({
      url: delivery.url,
      headers: deliveryHeaders(delivery, hook.secret, now),
      body: delivery.body,
      timeoutMs,
      signal,
    });
    return classifyStatus(status);
  } catch (error) {
    return { kind: 'retry', reason: (error as Error).message || 'request failed' };
  }
}

/** Hands every webhook event on the bus to `enqueue`; returns what stops it. */
export function followWebhookEvents(
  bus: EventBus,
  enqueue: (event: WebhookEvent, data: unknown) => void,
): () => void {
  const offs = WEBHOOK_EVENTS.map((event) => {
    const listener = (payload: BusEvents[typeof event][0]) => enqueue(event, payload);
    bus.on(event, listener);
    return () => bus.off(event, listener);
  });
  return () => offs.forEach((off) => off());
}

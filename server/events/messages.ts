import type { ServerMessage } from '../shared/api-types.js';
import type { BusEventName, BusEvents } from './bus.js';

/** Bus events the WebSocket hub forwards, in the order it subscribes to them. */
export const LIVE_EVENTS = ['media.added', 'media.updated', 'media.removed', 'index.progress', 'index.completed'] as const satisfies readonly BusEventName[];
export type LiveEvent = (typeof LIVE_EVENTS)[number];

/**
 * The client-facing message for a bus event. Internal fields (a removed item's path, whether
 * an index was the first) stay on the server: clients get what DESIGN's contract lists.
 */
export function toServerMessage<E extends LiveEvent>(event: E, payload: BusEvents[E][0]): ServerMessage {
  const p = payload as BusEvents[LiveEvent][0];
  switch (event) {
    case 'media.added': {
      const { item, uploadedBy } = p as BusEvents['media.added'][0];
      return uploadedBy ? { type: event, item, uploadedBy } : { type: event, item };
    }
    case 'media.updated':
      return { type: event, item: (p as BusEvents['media.updated'][0]).item };
    case 'media.removed':
      return { type: event, id: (p as BusEvents['media.removed'][0]).id };
    case 'index.progress': {
      const { phase, done, total } = p as BusEvents['index.progress'][0];
      return { type: event, phase, done, total };
    }
    case 'index.completed':
      return { type: event, count: (p as BusEvents['index.completed'][0]).count };
    default: {
      const never: never = event as never;
      throw new Error(`not a live event: ${String(never)}`);
    }
  }
}

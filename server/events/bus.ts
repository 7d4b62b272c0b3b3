import { EventEmitter } from 'node:events';
import type { ApiItem, IndexPhase } from '../shared/api-types.js';

/** Everything the server announces internally; WebSockets and webhooks subscribe here. */
export interface BusEvents {
  /** `uploadedBy` when the item arrived through an upload (`user:NAME`, `token:NAME`, `share:FOLDER`, `signed:FOLDER`). */
  'media.added': [{ item: ApiItem; uploadedBy?: string }];
  /**
   * `eventKey`, with a shared state store: the same on every replica for one change (e.g.
   * `marks:<fingerprint>:<seq>`), so what follows the bus across replicas can act once.
   */
  'media.updated': [{ item: ApiItem; eventKey?: string }];
  /** `version`: the removed record's, so replicas name the same removal alike (webhooks send it once). */
  'media.removed': [{ id: string; path: string; version?: string }];
  'index.progress': [{ phase: IndexPhase; done: number; total: number }];
  'index.completed': [{ count: number; firstIndex: boolean }];
}

export type BusEventName = keyof BusEvents;

export class EventBus extends EventEmitter<BusEvents> {
  constructor() {
    super({ captureRejections: false });
    // Subscribers are few but many WebSocket hubs in tests may attach; no leak warning noise.
    this.setMaxListeners(0);
  }
}

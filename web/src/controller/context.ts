import type { ApiItem } from '../../../server/shared/api-types.js';
import type { PageLoader } from '../lib/page-loader.js';
import type { ViewState } from '../lib/view-state.js';
import type { TimelineView } from '../ui/timeline-view.js';
import type { Toasts } from '../ui/toasts.js';

/** What the feature controllers (lightbox, selection, live updates) need from the main one. */
export interface TimelineModel {
  readonly view: ViewState;
  readonly loader: PageLoader;
  readonly timeline: TimelineView;
  readonly toasts: Toasts;
  /** Loads the next page if there is one; resolves once it is shown. */
  loadMore(): Promise<void>;
  /** Puts a changed or new item where the view wants it (or takes it out). Returns whether it is shown. */
  applyItem(item: ApiItem, options?: { insert?: boolean }): boolean;
  removeItem(id: string): void;
  /** Re-reads counts for the scrubber and filters (after items came or went). */
  refreshCounts(delayMs?: number): void;
}

import type { ApiItem } from '../../../server/shared/api-types.js';
import { FIRST_PAGE_LIMIT } from '../../../server/shared/boot.js';
import { api } from './api.js';
import { ItemStore } from './item-store.js';
import type { ViewState } from './view-state.js';

/** Shared with the server, which may put this very page into the shell (see boot.ts). */
export const FIRST_PAGE = FIRST_PAGE_LIMIT;
export const NEXT_PAGE = 300;
const JUMP_PAGE = 500;

export interface LoadResult {
  /** First index that changed in the store. */
  from: number;
  offline: boolean;
}

/**
 * Walks the cursor API for one view. One request at a time; a loader for an older view is
 * discarded (its late answers are ignored), so switching filters never mixes results.
 */
export class PageLoader {
  readonly store: ItemStore;
  private cursor: string | null = null;
  private pending: Promise<LoadResult | null> | null = null;
  private disposed = false;

  constructor(readonly view: ViewState) {
    this.store = new ItemStore(view.order);
  }

  get loading(): boolean {
    return this.pending !== null;
  }

  get done(): boolean {
    return this.store.complete;
  }

  dispose(): void {
    this.disposed = true;
  }

  /** Loads the next page; resolves null when there is nothing more or the loader was dropped. */
  loadMore(limit = this.store.size === 0 ? FIRST_PAGE : NEXT_PAGE): Promise<LoadResult | null> {
    if (this.store.complete || this.disposed) return Promise.resolve(null);
    this.pending ??= this.fetchPage(limit).finally(() => (this.pending = null));
    return this.pending;
  }

  private async fetchPage(limit: number): Promise<LoadResult | null> {
    const { body, offline } = await api.page(this.view, this.cursor, limit);
    if (this.disposed) return null;
    this.cursor = body.nextCursor;
    const from = this.store.append(body.items);
    if (!body.nextCursor) this.store.complete = true;
    return { from, offline };
  }

  /** Loads pages until an item of month `key` ("2023-07") or a later one in view order is present. */
  async loadThrough(key: string, onPage: (result: LoadResult) => void): Promise<boolean> {
    const reached = (item: ApiItem | undefined) => {
      if (!item) return false;
      const month = item.takenAt.slice(0, 7);
      return this.view.order === 'desc' ? month <= key : month >= key;
    };
    while (!this.store.complete && !reached(this.store.items[this.store.size - 1])) {
      const result = await this.loadMore(JUMP_PAGE);
      if (!result) break;
      onPage(result);
    }
    return this.store.items.some((item) => item.takenAt.startsWith(key));
  }
}

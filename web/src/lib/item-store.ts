import type { ApiItem } from '../../../server/shared/api-types.js';

/** Server order: by instant, ties by id (plain string comparison), reversed for `desc`. */
export function compareItems(a: ApiItem, b: ApiItem, order: 'desc' | 'asc'): number {
  const ta = Date.parse(a.takenAt);
  const tb = Date.parse(b.takenAt);
  const base = ta !== tb ? (ta < tb ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return order === 'asc' ? base : -base;
}

/**
 * The loaded part of the current view, in server order, each id once. Pages append at the
 * end; live items are inserted in place when they fall inside the loaded range (otherwise a
 * later page brings them, and the id check keeps them from appearing twice).
 */
export class ItemStore {
  private list: ApiItem[] = [];
  private readonly byId = new Map<string, ApiItem>();
  complete = false;

  constructor(readonly order: 'desc' | 'asc') {}

  get items(): readonly ApiItem[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  get(id: string): ApiItem | undefined {
    return this.byId.get(id);
  }

  indexOf(id: string): number {
    const item = this.byId.get(id);
    return item ? this.list.indexOf(item) : -1;
  }

  /** Adds a page; returns the index of the first new item (where the layout must resume). */
  append(items: readonly ApiItem[]): number {
    const first = this.list.length;
    for (const item of items) {
      if (this.byId.has(item.id)) continue;
      this.byId.set(item.id, item);
      this.list.push(item);
    }
    return first;
  }

  /** Inserts a live item at its sorted position; -1 when it lies beyond the loaded range. */
  insert(item: ApiItem): number {
    if (this.byId.has(item.id)) return -1;
    const at = this.lowerBound(item);
    if (at === this.list.length && !this.complete) return -1;
    this.list.splice(at, 0, item);
    this.byId.set(item.id, item);
    return at;
  }

  /** Replaces an item's data; returns its index or -1. */
  update(item: ApiItem): number {
    const old = this.byId.get(item.id);
    if (!old) return -1;
    const at = this.list.indexOf(old);
    this.list[at] = item;
    this.byId.set(item.id, item);
    return at;
  }

  remove(id: string): number {
    const at = this.indexOf(id);
    if (at < 0) return -1;
    this.list.splice(at, 1);
    this.byId.delete(id);
    return at;
  }

  private lowerBound(item: ApiItem): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareItems(this.list[mid]!, item, this.order) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

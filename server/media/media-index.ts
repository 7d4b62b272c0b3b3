import type { FolderNode, MediaType, TimelineBucket } from '../shared/api-types.js';
import type { Cursor, Order } from './cursor.js';
import { compareKeys, compareRecords, keyOf, type MediaRecord, type SortKey } from './record.js';

export interface MediaFilter {
  year?: number | undefined;
  month?: number | undefined;
  /** true: only favorites; false: only non-favorites; undefined: both. */
  favorite?: boolean | undefined;
  /** true: only archived items; false: hide them (the timeline's default). */
  archived: boolean;
  type?: MediaType | undefined;
  /** Relative folder; matches items in it and below it. */
  folder?: string | undefined;
  /** Lower-cased substring of the relative path. */
  q?: string | undefined;
  /** Access scope (a share link's items), set by the access layer, never by a client. */
  scope?: ((record: MediaRecord) => boolean) | undefined;
}

export interface Marks {
  favorite: boolean;
  archived: boolean;
}
export type MarksLookup = (record: MediaRecord) => Marks;

export interface Page {
  records: MediaRecord[];
  /** Key of the last record when more may follow, else null. */
  next: SortKey | null;
}

/**
 * The in-memory index: records sorted ascending by (takenAt, id) in one array, with maps
 * by id and by path. Pure data structure, no I/O; pages are found by binary search on the
 * sort key, so paging is keyset-based and stable while items come and go.
 */
export class MediaIndex {
  private sortedRecords: MediaRecord[] = [];
  /**
   * Records added since the sorted array was last read, sorted and merged in one go on the
   * next read. One splice per added record cost O(n) each: at 100k files a cold index spent
   * ~19 s of its main thread moving the array, where one sort and merge takes milliseconds.
   */
  private pending: MediaRecord[] = [];
  private readonly byId = new Map<string, MediaRecord>();
  private readonly byPath = new Map<string, MediaRecord>();
  /** Records kept (routes by id still work) but not listed: id → id of the item that stands for it. */
  private readonly hidden = new Map<string, string>();

  /** Listed items: every record but the hidden ones. */
  get size(): number {
    return this.sortedRecords.length + this.pending.length - this.hidden.size;
  }

  /** Keeps a record out of listings, counts, timeline and folders, on behalf of `ownerId`. */
  hide(id: string, ownerId: string): void {
    this.hidden.set(id, ownerId);
  }

  unhide(id: string): void {
    this.hidden.delete(id);
  }

  isHidden(id: string): boolean {
    return this.hidden.has(id);
  }

  /** The item a hidden record belongs to (for access checks), undefined for a listed one. */
  ownerOf(id: string): string | undefined {
    return this.hidden.get(id);
  }

  getById(id: string): MediaRecord | undefined {
    return this.byId.get(id);
  }

  getByPath(path: string): MediaRecord | undefined {
    return this.byPath.get(path);
  }

  all(): readonly MediaRecord[] {
    return this.sorted;
  }

  /** Replaces the whole content at once (start-up), sorting a single time. */
  load(records: Iterable<MediaRecord>): void {
    this.byId.clear();
    this.byPath.clear();
    this.hidden.clear();
    for (const record of records) {
      const previous = this.byPath.get(record.path);
      if (previous) this.byId.delete(previous.id);
      this.byId.set(record.id, record);
      this.byPath.set(record.path, record);
    }
    this.sortedRecords = [...this.byPath.values()].sort(compareRecords);
    this.pending = [];
  }

  /** Inserts or replaces the record for `record.path`; returns the one it replaced. */
  upsert(record: MediaRecord): MediaRecord | undefined {
    const previous = this.byPath.get(record.path);
    if (previous) this.removeFromSorted(previous);
    this.byId.set(record.id, record);
    this.byPath.set(record.path, record);
    this.pending.push(record);
    return previous;
  }

  removePath(path: string): MediaRecord | undefined {
    const record = this.byPath.get(path);
    if (!record) return undefined;
    this.byPath.delete(path);
    this.byId.delete(record.id);
    this.hidden.delete(record.id);
    this.removeFromSorted(record);
    return record;
  }

  /** Every record at or below a folder, for a removed directory. */
  pathsUnder(folder: string): string[] {
    const prefix = folder === '' ? '' : folder + '/';
    return [...this.byPath.keys()].filter((path) => path.startsWith(prefix));
  }

  page(filter: MediaFilter, marks: MarksLookup, order: Order, limit: number, after: Cursor | null): Page {
    const sorted = this.sorted; // before lowerBound: records added since the last read are merged in
    const records: MediaRecord[] = [];
    const step = order === 'desc' ? -1 : 1;
    let i: number;
    if (after) {
      // lowerBound gives the first index >= key; in desc we continue below it.
      const at = this.lowerBound(after);
      const exact = at < sorted.length && compareKeys(keyOf(sorted[at]!), after) === 0;
      i = order === 'desc' ? at - 1 : exact ? at + 1 : at;
    } else {
      i = order === 'desc' ? sorted.length - 1 : 0;
    }
    const match = this.listed(compileFilter(filter, marks));
    for (; i >= 0 && i < sorted.length; i += step) {
      const record = sorted[i]!;
      if (!match(record)) continue;
      if (records.length === limit) {
        const last = records[records.length - 1]!;
        return { records, next: keyOf(last) };
      }
      records.push(record);
    }
    return { records, next: null };
  }

  /** Month buckets, newest first, for the scrubber. */
  timeline(filter: MediaFilter, marks: MarksLookup): TimelineBucket[] {
    const match = this.listed(compileFilter(filter, marks));
    const counts = new Map<number, number>();
    for (const record of this.sorted) {
      if (match(record)) counts.set(record.yearMonth, (counts.get(record.yearMonth) ?? 0) + 1);
    }
    return [...counts.entries()]
      .sort((a, b) => b[0] - a[0])
      .map(([ym, count]) => ({ year: Math.floor(ym / 100), month: ym % 100, count }));
  }

  /** Folder tree with counts of visible (matching) items in and below each folder. */
  folders(filter: MediaFilter, marks: MarksLookup): FolderNode {
    const match = this.listed(compileFilter(filter, marks));
    // Items per folder first (one substring per item), then each folder's count carried up
    // its ancestors: splitting and re-joining every item's path cost ~1 us per item.
    const perFolder = new Map<string, number>();
    let total = 0;
    for (const record of this.sorted) {
      if (!match(record)) continue;
      total++;
      const slash = record.path.lastIndexOf('/');
      if (slash < 0) continue;
      const folder = record.path.slice(0, slash);
      perFolder.set(folder, (perFolder.get(folder) ?? 0) + 1);
    }
    const root: FolderNode = { name: '', path: '', count: total, children: [] };
    const nodes = new Map<string, FolderNode>([['', root]]);
    for (const [folder, count] of perFolder) {
      let parent = root;
      for (let start = 0; start <= folder.length; ) {
        const slash = folder.indexOf('/', start);
        const end = slash < 0 ? folder.length : slash;
        const path = folder.slice(0, end);
        let node = nodes.get(path);
        if (!node) {
          node = { name: folder.slice(start, end), path, count: 0, children: [] };
          nodes.set(path, node);
          parent.children.push(node);
        }
        node.count += count;
        parent = node;
        start = end + 1;
      }
    }
    for (const node of nodes.values()) node.children.sort((a, b) => a.name.localeCompare(b.name));
    return root;
  }

  /** The records in order, with those added since the last read merged in. */
  private get sorted(): MediaRecord[] {
    if (this.pending.length > 0) this.mergePending();
    return this.sortedRecords;
  }

  private mergePending(): void {
    const added = this.pending;
    this.pending = [];
    const sorted = this.sortedRecords;
    // A few (a change seen by the watcher): in place. Many (an index being built): sort and merge.
    if (added.length <= 8) {
      for (const record of added) sorted.splice(this.lowerBound(keyOf(record)), 0, record);
      return;
    }
    added.sort(compareRecords);
    const merged = new Array<MediaRecord>(sorted.length + added.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < sorted.length && j < added.length) {
      merged[k++] = compareRecords(sorted[i]!, added[j]!) <= 0 ? sorted[i++]! : added[j++]!;
    }
    while (i < sorted.length) merged[k++] = sorted[i++]!;
    while (j < added.length) merged[k++] = added[j++]!;
    this.sortedRecords = merged;
  }

  private listed(match: (r: MediaRecord) => boolean): (r: MediaRecord) => boolean {
    const hidden = this.hidden;
    return hidden.size === 0 ? match : (record) => !hidden.has(record.id) && match(record);
  }

  /** First position at or after `key` in the sorted records (pending ones are not there yet). */
  private lowerBound(key: SortKey): number {
    const sorted = this.sortedRecords;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(keyOf(sorted[mid]!), key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private removeFromSorted(record: MediaRecord): void {
    const sorted = this.sorted; // merges pending records first: the one removed may be among them
    const at = this.lowerBound(keyOf(record));
    for (let i = at; i < sorted.length; i++) {
      const candidate = sorted[i]!;
      if (candidate === record) {
        sorted.splice(i, 1);
        return;
      }
      if (compareKeys(keyOf(candidate), keyOf(record)) > 0) break;
    }
    // Not found at its key (should not happen): fall back to a scan so no stale entry lingers.
    const index = sorted.indexOf(record);
    if (index >= 0) sorted.splice(index, 1);
  }
}

export function compileFilter(filter: MediaFilter, marks: MarksLookup): (r: MediaRecord) => boolean {
  const folderPrefix = filter.folder ? filter.folder + '/' : undefined;
  const ym = filter.year === undefined ? undefined : filter.year * 100 + (filter.month ?? 0);
  return (record) => {
    if (ym !== undefined) {
      if (filter.month !== undefined ? record.yearMonth !== ym : Math.floor(record.yearMonth / 100) !== filter.year) {
        return false;
      }
    }
    if (filter.type !== undefined && record.type !== filter.type) return false;
    if (folderPrefix !== undefined && !record.path.startsWith(folderPrefix)) return false;
    if (filter.q !== undefined && !record.path.toLowerCase().includes(filter.q)) return false;
    const mark = marks(record);
    if (mark.archived !== filter.archived) return false;
    if (filter.favorite !== undefined && mark.favorite !== filter.favorite) return false;
    return filter.scope === undefined || filter.scope(record);
  };
}

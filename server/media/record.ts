import type { MediaType, TakenAtOffsetSource, TakenAtSource } from '../shared/api-types.js';

/**
 * One indexed file, kept compact: only what listing, filtering and sorting need.
 * Full EXIF is read on demand for the detail view.
 */
export interface MediaRecord {
  /** Opaque, URL-safe, stable for a path across restarts. */
  id: string;
  /** Relative to the media root, with '/' separators. */
  path: string;
  type: MediaType;
  mime: string;
  takenAtMs: number;
  /** UTC offset (minutes) at which the photo was taken; defines its wall-clock date. */
  offsetMin: number;
  takenAtSource: TakenAtSource;
  takenAtOffsetSource: TakenAtOffsetSource;
  /** year * 100 + month on the photo's own clock, for year/month filters. */
  yearMonth: number;
  /** Display dimensions, EXIF orientation applied. */
  width: number | null;
  height: number | null;
  orientation: number;
  size: number;
  mtimeMs: number;
  /** Quick content hash (size, head, tail): identifies a file across moves and renames. */
  fingerprint: string;
  /** Changes whenever the file's content may have changed; busts thumbnail caches. */
  version: string;
  durationMs: number | null;
  placeholder: string | null;
  make: string | null;
  model: string | null;
  lat: number | null;
  lon: number | null;
  /** mtime of the XMP sidecar whose date was read, null without one: an edited sidecar means re-reading. */
  sidecarMtimeMs: number | null;
  /** Video codecs, rotation and length as probed (server/video/stream-facts); null for images. */
  videoStreams?: string | null;
}

/** Key of the total order: takenAt instant, ties broken by id. */
export interface SortKey {
  t: number;
  id: string;
}

export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export const keyOf = (r: MediaRecord): SortKey => ({ t: r.takenAtMs, id: r.id });

/** compareKeys(keyOf(a), keyOf(b)) without two allocations per comparison (sorting 100k items). */
export function compareRecords(a: MediaRecord, b: MediaRecord): number {
  if (a.takenAtMs !== b.takenAtMs) return a.takenAtMs < b.takenAtMs ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

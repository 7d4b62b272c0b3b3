import { LRUCache } from 'lru-cache';
import type { Marks } from '../media/media-index.js';
import { presentItem } from '../media/present.js';
import type { MediaRecord } from '../media/record.js';
import type { ApiItem, ApiPlayback, LivePhoto } from '../shared/api-types.js';

interface Entry {
  json: string;
  marks: Marks;
  placeholder: string | null;
  durationMs: number | null;
  width: number | null;
  height: number | null;
  /** A video's playback state as JSON (it changes while a rendition is made); '' for images. */
  playback: string;
  /** A Live Photo's motion as JSON (it changes when the clip is paired or unpaired); '' without one. */
  livePhoto: string;
}

/**
 * Listing items as JSON text, cached per record. Turning records into objects and then into
 * JSON was a third of the CPU of a `GET /api/media` page, and every client asks for the same
 * newest pages. An entry is reused only while the record's marks and the fields that
 * pipelines patch in place (placeholder, video facts) and its Live Photo pairing are unchanged; a changed file is a new
 * record object, so it never meets an old entry. Bounded by entries, not the library size.
 */
export class ItemJsonCache {
  private readonly cache: LRUCache<MediaRecord, Entry>;

  constructor(
    private readonly marksOf: (record: MediaRecord) => Marks,
    maxEntries = 5000,
    private readonly playbackOf: (record: MediaRecord) => ApiPlayback | undefined = () => undefined,
    private readonly livePhotoOf: (record: MediaRecord) => LivePhoto | null = () => null,
  ) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  get size(): number {
    return this.cache.size;
  }

  json(record: MediaRecord): string {
    const marks = this.marksOf(record);
    const state = this.playbackOf(record);
    const playback = state === undefined ? '' : JSON.stringify(state);
    const live = this.livePhotoOf(record);
    const livePhoto = live ? JSON.stringify(live) : '';
    const hit = this.cache.get(record);
    if (
      hit &&
      hit.marks === marks &&
      hit.placeholder === record.placeholder &&
      hit.durationMs === record.durationMs &&
      hit.width === record.width &&
      hit.height === record.height &&
      hit.playback === playback &&
      hit.livePhoto === livePhoto
    ) {
      return hit.json;
    }
    const item: ApiItem = presentItem(record, marks, state, live);
    const json = JSON.stringify(item);
    const { placeholder, durationMs, width, height } = record;
    this.cache.set(record, { json, marks, placeholder, durationMs, width, height, playback, livePhoto });
    return json;
  }
}

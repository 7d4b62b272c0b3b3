import { LRUCache } from 'lru-cache';
import type { Marks } from '../media/media-index.js';
import { presentItem } from '../media/present.js';
import type { MediaRecord } from '../media/record.js';
import type { ApiItem, LivePhoto } from '../shared/api-types.js';

interface Entry {
  json: string;
  marks: Marks;
  placeholder: string | null;
  durationMs: number | null;
  width: number | null;
  height: number | null;
  livePhoto: LivePhoto | null;
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
    private readonly livePhotoOf: (record: MediaRecord) => LivePhoto | null = () => null,
  ) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  get size(): number {
    return this.cache.size;
  }

  json(record: MediaRecord): string {
    const marks = this.marksOf(record);
    const livePhoto = this.livePhotoOf(record);
    const hit = this.cache.get(record);
    if (
      hit &&
      hit.marks === marks &&
      hit.placeholder === record.placeholder &&
      hit.durationMs === record.durationMs &&
      hit.width === record.width &&
      hit.height === record.height &&
      hit.livePhoto === livePhoto
    ) {
      return hit.json;
    }
    const item: ApiItem = presentItem(record, marks, livePhoto);
    const json = JSON.stringify(item);
    const { placeholder, durationMs, width, height } = record;
    this.cache.set(record, { json, marks, placeholder, durationMs, width, height, livePhoto });
    return json;
  }
}

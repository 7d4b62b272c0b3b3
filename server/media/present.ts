import type { ApiItem, ApiPlayback, LivePhoto } from '../shared/api-types.js';
import type { Marks } from './media-index.js';
import type { MediaRecord } from './record.js';
import { srcsetOf } from './srcset.js';
import { formatIsoWithOffset } from './wall-clock.js';

/** The public shape of a record: relative paths only, never anything about the server's disk. */
export function presentItem(record: MediaRecord, marks: Marks, playback?: ApiPlayback, livePhoto: LivePhoto | null = null): ApiItem {
  const slash = record.path.lastIndexOf('/');
  const base = `/api/media/${record.id}`;
  return {
    id: record.id,
    path: record.path,
    name: record.path.slice(slash + 1),
    folder: slash < 0 ? '' : record.path.slice(0, slash),
    type: record.type,
    mime: record.mime,
    takenAt: formatIsoWithOffset(record.takenAtMs, record.offsetMin),
    takenAtSource: record.takenAtSource,
    takenAtOffsetSource: record.takenAtOffsetSource,
    width: record.width,
    height: record.height,
    size: record.size,
    favorite: marks.favorite,
    archived: marks.archived,
    version: record.version,
    durationMs: record.durationMs,
    placeholder: record.placeholder,
    camera: record.make || record.model ? { make: record.make, model: record.model } : null,
    gps: record.lat !== null && record.lon !== null ? { lat: record.lat, lon: record.lon } : null,
    thumbs: {
      small: `${base}/thumb/small?v=${record.version}`,
      large: `${base}/thumb/large?v=${record.version}`,
      srcset: srcsetOf(base, record.version, record.width),
    },
    ...(playback === undefined ? {} : { playback }),
    livePhoto,
  };
}

import { hash } from 'node:crypto';
import type { StampedDate } from './date-sources.js';
import type { FileFacts } from './file-probe.js';
import type { MediaRecord } from './record.js';
import { resolveTakenAt } from './taken-at.js';
import { wallClockAt } from './wall-clock.js';

// One-shot hash(): a Hash object per call (createHash) cost several times more, twice per file.
const shortHash = (text: string, length: number) => hash('sha256', text, 'base64url').slice(0, length);

/** Stable for a relative path, URL-safe, reveals nothing about the server's disk. */
export const idForPath = (relPath: string) => shortHash(`path:${relPath}`, 16);

export interface FileStat {
  size: number;
  mtimeMs: number;
}

/** What is read beside the file: its XMP sidecar, and how to find the zone at a GPS position. */
export interface RecordContext {
  sidecar?: { date: StampedDate | null; mtimeMs: number } | null;
  zoneAt?: ((lat: number, lon: number) => string | null) | null;
}

export function buildRecord(relPath: string, stat: FileStat, facts: FileFacts, zone: string, context: RecordContext = {}): MediaRecord {
  const fileName = relPath.slice(relPath.lastIndexOf('/') + 1);
  const sidecar = context.sidecar ?? null;
  const taken = resolveTakenAt({
    tags: facts.tags,
    other: { ...facts.other, sidecar: sidecar?.date ?? null },
    videoCreatedMs: facts.videoCreatedMs,
    fileName,
    mtimeMs: stat.mtimeMs,
    zone,
    position: facts.lat !== null && facts.lon !== null ? { lat: facts.lat, lon: facts.lon } : null,
    zoneAt: context.zoneAt ?? null,
  });
  const wall = wallClockAt(taken.ms, taken.offsetMin);
  return {
    id: idForPath(relPath),
    path: relPath,
    type: facts.type,
    mime: facts.mime,
    takenAtMs: taken.ms,
    offsetMin: taken.offsetMin,
    takenAtSource: taken.source,
    takenAtOffsetSource: taken.offsetSource,
    yearMonth: wall.year * 100 + wall.month,
    width: facts.width,
    height: facts.height,
    orientation: facts.orientation,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    fingerprint: facts.fingerprint,
    version: shortHash(`${facts.fingerprint}:${stat.size}:${stat.mtimeMs}`, 10),
    durationMs: facts.durationMs,
    placeholder: null,
    make: facts.make,
    model: facts.model,
    lat: facts.lat,
    lon: facts.lon,
    sidecarMtimeMs: sidecar?.mtimeMs ?? null,
    videoStreams: facts.videoStreams,
  };
}

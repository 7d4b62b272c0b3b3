import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { MediaRecord } from './record.js';

/**
 * The index snapshot: a cache in the data folder that lets a restart skip reading
 * metadata of unchanged files. Losing it costs only a rebuild.
 *
 * Stored by column (format 4): one array per field, and for the few fields with a handful
 * of distinct values (type, MIME type, date source, camera make and model) a list of those
 * values plus one small integer per record. Parsing is what a warm restart waits for before
 * it can serve; at 100k items this takes ~20 % less CPU than one array per record and makes
 * the file 20 % smaller. Any other format is ignored like a missing file (a rebuild).
 */
const FORMAT = 5; // 5: dates and sizes by the metadata rules below (sidecars, XMP, IPTC, GPS offsets, HEIF irot); older snapshots are re-read
const fields = [
  'id', 'path', 'type', 'mime', 'takenAtMs', 'offsetMin', 'takenAtSource', 'takenAtOffsetSource', 'yearMonth',
  'width', 'height', 'orientation', 'size', 'mtimeMs', 'fingerprint', 'version',
  'durationMs', 'placeholder', 'make', 'model', 'lat', 'lon', 'sidecarMtimeMs', 'videoStreams',
] as const satisfies ReadonlyArray<keyof MediaRecord>;
type Field = (typeof fields)[number];
/** One array of values per field, in `fields` order. */
type ColumnsOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: unknown[] };
type Columns = ColumnsOf<typeof fields>;

/** Fields stored as an index into their distinct values. */
const shared = new Set<Field>(['type', 'mime', 'takenAtSource', 'takenAtOffsetSource', 'make', 'model', 'videoStreams']);

export interface Snapshot {
  /** Dates without an offset were resolved in this zone; another zone means re-reading. */
  zone: string;
  records: MediaRecord[];
}

interface SharedColumn {
  values: unknown[];
  index: number[];
}

export const snapshotPath = (dataDir: string) => path.join(dataDir, 'index.json');

export async function readSnapshot(dataDir: string): Promise<Snapshot | null> {
  let text: string;
  try {
    text = await readFile(snapshotPath(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as { format?: unknown; zone?: unknown; fields?: unknown; count?: unknown; columns?: unknown };
    if (parsed.format !== FORMAT || typeof parsed.zone !== 'string' || JSON.stringify(parsed.fields) !== JSON.stringify(fields)) return null;
    const records = recordsFromColumns(parsed.columns, parsed.count);
    return records && { zone: parsed.zone, records };
  } catch {
    return null;
  }
}

/** The plain values of every column, or null when the file does not hold what it should. */
function plainColumns(columns: unknown, count: number): Columns | null {
  if (!Array.isArray(columns) || columns.length !== fields.length) return null;
  const plain: unknown[][] = [];
  for (const [at, field] of fields.entries()) {
    const column = columns[at] as unknown;
    if (!shared.has(field)) {
      if (!Array.isArray(column) || column.length !== count) return null;
      plain.push(column);
      continue;
    }
    const { values, index } = (column ?? {}) as Partial<SharedColumn>;
    if (!Array.isArray(values) || !Array.isArray(index) || index.length !== count) return null;
    const expanded = new Array<unknown>(count);
    for (let i = 0; i < count; i++) {
      const value = index[i]!;
      if (!(value >= 0 && value < values.length)) return null;
      expanded[i] = values[value];
    }
    plain.push(expanded);
  }
  return plain as unknown as Columns;
}

/**
 * One object literal in `fields` order (a unit test keeps the two in step), like the one in
 * record-factory: V8 then stores records compactly with one shape. Assigning keys one by one
 * made them 2.5× larger (1.1 KiB vs 433 B of heap per item at 100k) and reading twice as slow.
 */
function recordsFromColumns(columns: unknown, count: unknown): MediaRecord[] | null {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return null;
  const columnsRead = plainColumns(columns, count);
  if (!columnsRead) return null;
  const [ids, paths, types, mimes, takenAts, offsets, sources, offsetSources, yearMonths, widths, heights, orientations,
    sizes, mtimes, fingerprints, versions, durations, placeholders, makes, models, lats, lons, sidecarMtimes, videoStreams] = columnsRead;
  const records = new Array<MediaRecord>(count);
  for (let i = 0; i < count; i++) {
    records[i] = {
      id: ids[i], path: paths[i], type: types[i], mime: mimes[i], takenAtMs: takenAts[i], offsetMin: offsets[i],
      takenAtSource: sources[i], takenAtOffsetSource: offsetSources[i], yearMonth: yearMonths[i], width: widths[i], height: heights[i],
      orientation: orientations[i], size: sizes[i], mtimeMs: mtimes[i], fingerprint: fingerprints[i],
      version: versions[i], durationMs: durations[i], placeholder: placeholders[i], make: makes[i],
      model: models[i], lat: lats[i], lon: lons[i], sidecarMtimeMs: sidecarMtimes[i], videoStreams: videoStreams[i],
    } as MediaRecord;
  }
  return records;
}

/** Field order of the stored columns (exported for the test that pins the reader to it). */
export const snapshotFields: readonly string[] = fields;

function column(records: readonly MediaRecord[], field: Field): unknown[] | SharedColumn {
  if (!shared.has(field)) return records.map((record) => record[field]);
  const values: unknown[] = [];
  const seen = new Map<unknown, number>();
  const index = records.map((record) => {
    const value = record[field];
    let at = seen.get(value);
    if (at === undefined) {
      at = values.length;
      values.push(value);
      seen.set(value, at);
    }
    return at;
  });
  return { values, index };
}

export async function writeSnapshot(dataDir: string, snapshot: Snapshot): Promise<void> {
  const columns = fields.map((field) => column(snapshot.records, field));
  const text = JSON.stringify({ format: FORMAT, zone: snapshot.zone, fields, count: snapshot.records.length, columns });
  await writeFileAtomic(snapshotPath(dataDir), text);
}

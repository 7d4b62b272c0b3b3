import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { MediaRecord } from './record.js';

/**
 * The index snapshot: a cache in the data folder that lets a restart skip reading
 * metadata of unchanged files. Losing it costs only a rebuild. Records are stored as
 * arrays in a fixed field order, which keeps the file about half the size of objects.
 */
const FORMAT = 3;
const fields = [
  'id', 'path', 'type', 'mime', 'takenAtMs', 'offsetMin', 'takenAtSource', 'yearMonth',
  'width', 'height', 'orientation', 'size', 'mtimeMs', 'fingerprint', 'version',
  'durationMs', 'placeholder', 'make', 'model', 'lat', 'lon',
] as const satisfies ReadonlyArray<keyof MediaRecord>;

export interface Snapshot {
  /** Dates without an offset were resolved in this zone; another zone means re-reading. */
  zone: string;
  records: MediaRecord[];
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
    const parsed = JSON.parse(text) as { format?: unknown; zone?: unknown; fields?: unknown; rows?: unknown };
    if (parsed.format !== FORMAT || typeof parsed.zone !== 'string' || !Array.isArray(parsed.rows)) return null;
    if (JSON.stringify(parsed.fields) !== JSON.stringify(fields)) return null;
    const records = (parsed.rows as unknown[][]).map((row) => {
      const record: Record<string, unknown> = {};
      fields.forEach((field, i) => (record[field] = row[i]));
      return record as unknown as MediaRecord;
    });
    return { zone: parsed.zone, records };
  } catch {
    return null;
  }
}

export async function writeSnapshot(dataDir: string, snapshot: Snapshot): Promise<void> {
  const rows = snapshot.records.map((record) => fields.map((field) => record[field]));
  const text = JSON.stringify({ format: FORMAT, zone: snapshot.zone, fields, rows });
  await writeFileAtomic(snapshotPath(dataDir), text);
}

import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { idForPath } from '../../server/media/record-factory.js';
import type { MediaRecord } from '../../server/media/record.js';
import { readSnapshot, writeSnapshot } from '../../server/media/snapshot.js';
import { wallClockAt } from '../../server/media/wall-clock.js';
import { runChild } from './lib/child.js';
import { ensureLinkFarm } from './lib/corpus.js';
import type { BenchContext } from './lib/types.js';

export interface LargeLibrary {
  items: number;
  media: string;
  data: string;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** Records of the real corpus, read by the real Library once (a cold index into `data`). */
async function corpusRecords(ctx: BenchContext): Promise<Map<string, MediaRecord>> {
  const data = path.join(ctx.corpus.dir, 'data-corpus');
  let snapshot = await readSnapshot(data);
  if (!snapshot) {
    await mkdir(data, { recursive: true });
    await runChild('index-child.ts', { env: { BENCH_MEDIA: ctx.corpus.media, BENCH_DATA: data } });
    snapshot = await readSnapshot(data);
  }
  if (!snapshot) throw new Error('the Library wrote no snapshot for the corpus');
  return new Map(snapshot.records.map((r) => [r.path, r]));
}

/**
 * A library of `items` files for restart and listing benchmarks: hard links to the corpus
 * JPEGs, plus an index snapshot synthesised from the records the real Library produced
 * for their sources (each copy gets its own path, id and a date shifted by whole weeks,
 * so the timeline spreads like a real one). A warm start then finds every file unchanged.
 */
export async function largeLibrary(ctx: BenchContext, items: number): Promise<LargeLibrary> {
  const records = await corpusRecords(ctx);
  const media = path.join(ctx.corpus.dir, `farm-${items}`);
  const links = await ensureLinkFarm(ctx.corpus, media, items);
  const sources = ctx.corpus.files.filter((f) => f.kind === 'jpeg').length;
  const copies: MediaRecord[] = links.map(({ rel, source }, i) => {
    const base = records.get(source);
    if (!base) throw new Error(`no record for corpus file ${source}`);
    const takenAtMs = base.takenAtMs - Math.floor(i / sources) * WEEK_MS;
    const wall = wallClockAt(takenAtMs, base.offsetMin);
    return { ...base, id: idForPath(rel), path: rel, takenAtMs, yearMonth: wall.year * 100 + wall.month };
  });
  const data = path.join(ctx.corpus.dir, `data-${items}`);
  await rm(data, { recursive: true, force: true });
  await mkdir(data, { recursive: true });
  await writeSnapshot(data, { zone: 'UTC', records: copies });
  return { items, media, data };
}

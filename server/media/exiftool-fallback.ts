import { execFile } from 'node:child_process';
import { Limiter } from '../util/limiter.js';
import type { RawDateTags } from './taken-at.js';

/**
 * exiftool, where installed, as the last reader of dates for files whose EXIF defeats exifr
 * and libvips (maker-specific containers, broken offsets). It costs a process per file
 * (~0.1–0.3 s), so it runs only for files that carry EXIF but gave no date any other way;
 * without exiftool those files keep the later fallbacks (file name, mtime).
 */
const TAGS = [
  'DateTimeOriginal',
  'OffsetTimeOriginal',
  'SubSecTimeOriginal',
  'CreateDate',
  'OffsetTimeDigitized',
  'ModifyDate',
  'OffsetTime',
];
const TIMEOUT_MS = 10_000;

let available: Promise<boolean> | null = null;
/** One exiftool (a Perl process of ~20 MiB) at a time: a Pi must not start eight at once. */
const oneAtATime = new Limiter(1);

function exiftoolAvailable(): Promise<boolean> {
  available ??= new Promise((resolve) => {
    execFile('exiftool', ['-ver'], { timeout: TIMEOUT_MS }, (error) => resolve(!error));
  });
  return available;
}

export async function readDatesWithExiftool(absPath: string): Promise<RawDateTags | null> {
  if (!(await exiftoolAvailable())) return null;
  const args = ['-j', '-n', '-fast', ...TAGS.map((tag) => `-${tag}`), '--', absPath];
  const stdout = await oneAtATime.run(
    () =>
      new Promise<string | null>((resolve) => {
        execFile('exiftool', args, { timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 }, (error, out) =>
          resolve(error ? null : out),
        );
      }),
  );
  if (!stdout) return null;
  try {
    const [read] = JSON.parse(stdout) as Array<Record<string, unknown>>;
    if (!read) return null;
    const tags: Record<string, unknown> = {};
    for (const tag of TAGS)
      if (read[tag] !== undefined)
        tags[tag] = typeof read[tag] === 'number' ? String(read[tag]) : read[tag];
    return Object.keys(tags).length > 0 ? (tags as RawDateTags) : null;
  } catch {
    return null;
  }
}

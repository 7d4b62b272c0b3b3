import { totalmem } from 'node:os';

const MiB = 1024 * 1024;

/**
 * The thumbnail memory cache when the config leaves it open: 1/64 of the machine's memory,
 * between 8 and 64 MiB (8 MiB on a 512 MB Pi Zero 2, 16 on a 1 GB Pi, 64 from 4 GB on).
 * Thumbnails are on disk and in the page cache anyway; this only spares the reads of the
 * ones everybody looks at. Pure apart from the default argument.
 */
export function defaultMemoryCacheBytes(machineBytes = totalmem()): number {
  return Math.min(64 * MiB, Math.max(8 * MiB, Math.floor(machineBytes / 64 / MiB) * MiB));
}

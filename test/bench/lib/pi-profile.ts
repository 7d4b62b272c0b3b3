import { cpus } from 'node:os';
import { defaultMemoryCacheBytes } from '../../../server/thumbs/memory-budget.js';

/**
 * The machine the profile stands for: a Raspberry Pi 4 with 1 GB. Its memory sizes what spis
 * sizes from the machine's memory by default (the thumbnail memory cache: 16 MiB there, 64 on
 * the machine running the bench), so the figures are the ones such a Pi would show.
 */
const PI_MEMORY_BYTES = 1024 ** 3;

/**
 * The memory settings spis.service, the Dockerfile and the README recommend for small
 * machines; `--profile=pi` runs every server with them, pinned to one core.
 */
export const smallMachineEnv = {
  MALLOC_ARENA_MAX: '2',
  NODE_OPTIONS: '--max-semi-space-size=1 --expose-gc',
};

/** Pins every server child to CPU 0 and gives it the small-machine environment; returns a note for the report. */
export function applyPiProfile(): string {
  // The load generator stays in this process, on whatever the scheduler gives it (the other core).
  process.env.SPIS_BENCH_CPUS = '0';
  Object.assign(process.env, smallMachineEnv);
  const cacheBytes = defaultMemoryCacheBytes(PI_MEMORY_BYTES);
  // Read by the CLI (SPIS_* environment) and by serve-child.mjs.
  process.env.SPIS_THUMBNAILS_MEMORY_CACHE_BYTES = String(cacheBytes);
  const settings = Object.entries(smallMachineEnv).map(([k, v]) => `${k}=${v}`).join(' ');
  return `pi: every server pinned to one core (taskset -c 0 of ${cpus().length}), ${settings}, thumbnail memory cache ${cacheBytes / 2 ** 20} MiB (the default on a 1 GB Pi)`;
}

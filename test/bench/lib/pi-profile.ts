import { cpus } from 'node:os';

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
  const settings = Object.entries(smallMachineEnv).map(([k, v]) => `${k}=${v}`).join(' ');
  return `pi: every server pinned to one core (taskset -c 0 of ${cpus().length}), ${settings}`;
}

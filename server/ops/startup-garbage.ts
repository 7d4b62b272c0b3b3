/**
 * One full garbage collection when start-up is over, if node runs with --expose-gc (as
 * spis.service and the Docker image start it). Loading a 100k-item snapshot leaves ~90 MiB
 * of garbage that V8 would otherwise keep until its idle memory reducer runs, 30–40 s later
 * (measured at 100k items: 216 MiB resident until then, ~118 MiB after). One pause of
 * a few tens of ms, once, with the index already served.
 */
export function collectStartupGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return;
  gc();
  // The second pass is short (little is left) and gives the emptied pages back to the system.
  gc();
}

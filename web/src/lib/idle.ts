/**
 * Runs `run` in a task of its own when the page is idle (within `timeoutMs` at most), so
 * work that can wait never joins whatever long task is running now.
 */
export function whenIdle(run: () => void, timeoutMs = 2000): void {
  if ('requestIdleCallback' in window) requestIdleCallback(() => run(), { timeout: timeoutMs });
  else setTimeout(run, 50);
}

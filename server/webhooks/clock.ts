/** Time as the webhook queue sees it; tests pass a manual clock instead of sleeping. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref(); // a pending retry never keeps the process alive on its own
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * When to retry a webhook delivery and how long to wait. Pure, so the schedule can be
 * tested without clocks or sockets.
 */
export interface RetryPolicy {
  /** Wait after the first failure; doubles after each further failure. */
  initialDelayMs: number;
  /** Cap of a single wait. */
  maxDelayMs: number;
  /** A delivery older than this is given up (dead letter) instead of retried again. */
  maxAgeMs: number;
}

export type AttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; reason: string }
  | { kind: 'failed'; reason: string };

/**
 * 2xx is success; 408 and 429 are worth retrying like 5xx; any other 4xx will not improve,
 * nor will a redirect (redirects are not followed: the configured URL is wrong).
 */
export function classifyStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const reason = `receiver answered ${status}`;
  if (status === 408 || status === 429) return { kind: 'retry', reason };
  if (status >= 300 && status < 500) return { kind: 'failed', reason };
  return { kind: 'retry', reason };
}

/**
 * "Full jitter" exponential backoff: a random wait in [delay/2, delay], so receivers coming
 * back after an outage are not hit by every queued delivery in the same instant.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * When to try again after `failures` failed attempts, or null once the next attempt would
 * fall past the delivery's bounded lifetime.
 */
export function nextAttemptAt(
  createdAt: number,
  failures: number,
  now: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | null {
  const at = now + backoffDelay(failures, policy, random);
  return at - createdAt > policy.maxAgeMs ? null : at;
}

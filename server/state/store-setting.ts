/**
 * Where spis keeps its mutable state (marks, users, sessions, tokens, shares, signing
 * secrets, rate limits, the webhook outbox, live-event fan-out): the data folder, for one
 * process, or a Redis / Valkey server that several replicas share.
 */
export type StoreSetting = { kind: 'files' } | { kind: 'redis'; url: string };

/** Pure, so config validation and the CLI agree on what a valid setting is. */
export function parseStoreSetting(value: string): StoreSetting | null {
  const trimmed = value.trim();
  if (trimmed === 'files') return { kind: 'files' };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return null;
  if (!url.hostname) return null;
  return { kind: 'redis', url: trimmed };
}

/** The URL as it may appear in logs and messages: the password is never shown. */
export function describeStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed URLs: `expires` (Unix seconds) and `sig` = base64url HMAC-SHA256 over the method,
 * the path and the canonical query (every parameter but `sig`, sorted). Several secrets are
 * accepted so a secret can be rotated without breaking links already handed out; the
 * first one signs. Pure apart from node:crypto.
 */
export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

export function canonicalQuery(search: string | URLSearchParams): string {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of params) if (key !== 'sig') pairs.push([key, value]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
}

function signingMethod(method: string): string {
  // A HEAD is a GET without the body: one signature serves both.
  const upper = method.toUpperCase();
  return upper === 'HEAD' ? 'GET' : upper;
}

export function computeSignature(secret: string, method: string, path: string, query: string): string {
  return createHmac('sha256', secret)
    .update(`${signingMethod(method)}\n${path}\n${canonicalQuery(query)}`)
    .digest('base64url');
}

/** Returns `path?query&expires=…&sig=…`; an existing `expires`/`sig` is replaced. */
export function signPath(secret: string, pathWithQuery: string, expiresAtSeconds: number, method = 'GET'): string {
  const at = pathWithQuery.indexOf('?');
  const path = at < 0 ? pathWithQuery : pathWithQuery.slice(0, at);
  const params = new URLSearchParams(at < 0 ? '' : pathWithQuery.slice(at + 1));
  params.delete('sig');
  params.set('expires', String(Math.floor(expiresAtSeconds)));
  const query = canonicalQuery(params);
  return `${path}?${query}&sig=${computeSignature(secret, method, path, query)}`;
}

/** Checks `expires` and `sig` in `query` against every secret, in constant time per secret. */
export function verifySignature(
  secrets: readonly string[],
  method: string,
  path: string,
  query: string,
  nowMs: number,
): SignatureCheck {
  const params = new URLSearchParams(query);
  const sig = params.getAll('sig');
  const expires = params.getAll('expires');
  if (sig.length === 0 && expires.length === 0) return { ok: false, reason: 'missing' };
  if (sig.length !== 1 || expires.length !== 1 || !/^\d{1,12}$/.test(expires[0]!)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(sig[0]!, 'base64url');
  if (given.length !== 32 || given.toString('base64url') !== sig[0]) return { ok: false, reason: 'malformed' };
  let match = false;
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, method, path, query), 'base64url');
    if (timingSafeEqual(expected, given)) match = true;
  }
  if (!match) return { ok: false, reason: 'mismatch' };
  // Checked after the HMAC so a tampered `expires` reads as a mismatch, not as expired.
  if (Number(expires[0]) * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true };
}

/** "15m", "2h", "7d", "90s" or plain seconds, to milliseconds; null when unreadable. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) return null;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit * 1000;
  return ms > 0 ? ms : null;
}

/** The path of a signed upload URL: POST into `folder` until `expiresAtSeconds`. */
export function uploadSignedPath(secret: string, folder: string, expiresAtSeconds: number): string {
  return signPath(secret, `/api/uploads?folder=${encodeURIComponent(folder)}`, expiresAtSeconds, 'POST');
}

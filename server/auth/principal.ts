import type { Role } from './roles.js';
import type { StoredShare } from './share-store.js';

/** Who is asking. `open` is the anonymous caller of a server that has no users yet. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'open' }
  | { kind: 'user'; name: string; role: Role; session: string }
  | { kind: 'token'; name: string; role: Role }
  | { kind: 'share'; digest: string; share: StoredShare; session: string };

export const SESSION_COOKIE = 'spis_session';
export const SHARE_COOKIE = 'spis_share';
export const CSRF_HEADER = 'x-spis-csrf';

/** A stable key for per-principal rate limits. */
export function principalKey(principal: Principal, address: string): string {
  switch (principal.kind) {
    case 'user':
      return `user:${principal.name}`;
    case 'token':
      return `token:${principal.name}`;
    case 'share':
      return `share:${principal.digest}`;
    case 'anonymous':
    case 'open':
      return `ip:${address}`;
  }
}

/** Parses a Cookie header (for the WebSocket upgrade, where Koa's cookies are not at hand). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** The token of `Authorization: Bearer …`; null when the header is absent, '' when malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
  return match ? match[1]! : '';
}

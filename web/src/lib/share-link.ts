import type { SessionInfo } from './session.js';

/**
 * Share links carry their token in the fragment (`/#share=TOKEN`), which browsers never
 * send to a server or in a Referer header. Returns the token, or null for any other hash.
 */
export function shareTokenIn(hash: string): string | null {
  const match = /^#share=([A-Za-z0-9_-]{16,128})$/.exec(hash);
  return match ? match[1]! : null;
}

/** What this visitor may do, from GET /api/session; unknown (offline) keeps every control. */
export interface Capabilities {
  /** Favourite, archive and select many. */
  mark: boolean;
  /** The /api/events stream (refused to share links). */
  live: boolean;
}

export function capabilitiesOf(info: SessionInfo | null): Capabilities {
  if (info?.share) return { mark: false, live: false };
  if (info?.user?.role === 'viewer') return { mark: false, live: true };
  return { mark: true, live: true };
}

import type { SessionInfo } from '../../../server/shared/api-types.js';

export type { SessionInfo };

let csrfToken: string | null = null;

/** The header cookie sessions must echo on every change (PUT/POST/DELETE). */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'x-spis-csrf': csrfToken } : {};
}

/** The session: `known` when the page came with it (see boot.ts), otherwise asked for. */
export async function readSession(known?: SessionInfo): Promise<SessionInfo | null> {
  if (known) {
    csrfToken = known.csrfToken;
    return known;
  }
  try {
    const response = await fetch('/api/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!response.ok) return null;
    const info = (await response.json()) as SessionInfo;
    csrfToken = info.csrfToken;
    return info;
  } catch {
    return null; // offline: carry on with what the service worker kept
  }
}

export async function logIn(username: string, password: string): Promise<SessionInfo> {
  const response = await fetch('/api/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json().catch(() => null)) as (SessionInfo & { error?: { message: string } }) | null;
  if (!response.ok || !body) throw new Error(body?.error?.message ?? `The server answered ${response.status}.`);
  csrfToken = body.csrfToken;
  return body;
}

/** Why a share link could not be opened; `needsPassword` asks the visitor for it. */
export class ShareOpenError extends Error {
  constructor(
    message: string,
    readonly needsPassword: boolean,
  ) {
    super(message);
  }
}

/** Exchanges a share link's token (and its password, if it has one) for a scoped cookie. */
export async function openShare(token: string, password?: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`/api/shares/${encodeURIComponent(token)}/session`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      // The password goes in the body: the server refuses it in a URL.
      body: JSON.stringify(password === undefined ? {} : { password }),
    });
  } catch {
    throw new ShareOpenError('The server cannot be reached. Check your connection.', false);
  }
  const body = (await response.json().catch(() => null)) as { csrfToken?: string | null; error?: { code: string; message: string } } | null;
  if (response.ok) {
    csrfToken = body?.csrfToken ?? null;
    return;
  }
  if (response.status === 401) throw new ShareOpenError(password ? 'That password is not right.' : 'This share link needs its password.', true);
  if (response.status === 404) throw new ShareOpenError('This share link has expired or was withdrawn. Ask whoever sent it for a new one.', false);
  throw new ShareOpenError(body?.error?.message ?? `The server answered ${response.status}.`, false);
}

export function needsLogin(info: SessionInfo | null): boolean {
  return info !== null && info.authRequired && info.user === null && info.share === null;
}

import type { Role } from '../../server/auth/roles.js';
import type { TestServer } from './spis.js';

export interface Session {
  cookie: string;
  csrf: string;
}

/** Adds a user straight into the server's store. */
export async function addUser(server: TestServer, name: string, role: Role, password = `${name}-password-123`): Promise<string> {
  await server.spis.auth.users.put(name, role, password);
  return password;
}

/** Logs in through the API; returns the cookie pair and CSRF token to send back. */
export async function login(server: TestServer, name: string, password = `${name}-password-123`, cookie?: string): Promise<Session> {
  const response = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ username: name, password }),
  });
  if (response.status !== 200) throw new Error(`login as ${name} failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { csrfToken: string };
  return { cookie: cookieOf(response, 'spis_session'), csrf: body.csrfToken };
}

/** `name=value` of a Set-Cookie header, ready for a Cookie header. */
export function cookieOf(response: Response, name: string): string {
  const line = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie set`);
  return line.split(';')[0]!;
}

/** Headers for a cookie session, with the CSRF token for changes. */
export function as(session: Session, extra: Record<string, string> = {}): Record<string, string> {
  return { cookie: session.cookie, 'x-spis-csrf': session.csrf, ...extra };
}

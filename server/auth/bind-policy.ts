/**
 * Where to listen, given the configured host and whether anyone can sign in. A server with
 * no users is open to whoever reaches it, so it stays on loopback unless the operator opted
 * in with `allowAnonymousRemote`. Pure.
 */
export interface BindDecision {
  host: string;
  notice: 'loopback-only' | 'anonymous-remote' | null;
}

export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

export function decideBind(host: string, usersExist: boolean, allowAnonymousRemote: boolean): BindDecision {
  if (usersExist || isLoopbackHost(host)) return { host, notice: null };
  if (allowAnonymousRemote) return { host, notice: 'anonymous-remote' };
  // Keep the address family the operator asked for ('::' → '::1').
  return { host: host.includes(':') ? '::1' : '127.0.0.1', notice: 'loopback-only' };
}

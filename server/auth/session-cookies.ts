import type { Context } from 'koa';

/** HttpOnly, SameSite=Lax, Secure whenever the request came over HTTPS (directly or via a trusted proxy). */
export function setSessionCookie(ctx: Context, name: string, value: string, maxAgeMs: number): void {
  ctx.cookies.set(name, value, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', maxAge: maxAgeMs, overwrite: true });
}

export function clearSessionCookie(ctx: Context, name: string): void {
  ctx.cookies.set(name, '', { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', maxAge: 0, overwrite: true });
}

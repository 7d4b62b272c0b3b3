import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Context } from 'koa';
import type { AuthService } from '../auth/auth-service.js';
import { readJsonBody } from '../auth/json-body.js';
import { SESSION_COOKIE, SHARE_COOKIE, type Principal } from '../auth/principal.js';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookies.js';
import type { RateBuckets } from '../auth/token-bucket.js';
import { AppError, invalidParameter } from './errors.js';
import type { SessionInfo } from '../shared/api-types.js';

const WRONG = 'wrong username or password';

/** Log in, say who is logged in, log out (here or everywhere). */
export function sessionRoutes(auth: AuthService): Router {
  const router = createRouter({ prefix: '/api' });

  router.post('/session', async (ctx) => {
    const body = await readJsonBody(ctx);
    await throttle(auth.loginByAddress, `ip:${ctx.ip}`);
    const attempted = typeof body.username === 'string' ? body.username.trim().toLowerCase().slice(0, 64) : '';
    await throttle(auth.loginByUser, `user:${attempted}`);
    // Replicas: a user added through another one a moment ago may not have reached this copy.
    if (auth.options.shared && attempted && !auth.users.get(attempted)) await auth.users.refresh(true);
    const found = await auth.users.verify(body.username, body.password);
    // One answer for every kind of failure, after the same scrypt work (see UserStore.verify).
    if (!found) throw new AppError('unauthorized', WRONG);
    await auth.loginByUser.reset(`user:${found.name}`);
    const previous = ctx.cookies.get(SESSION_COOKIE);
    const token = await auth.sessions.create({ kind: 'user', user: found.name, epoch: found.user.epoch }, auth.sessionTtlMs, previous);
    setSessionCookie(ctx, SESSION_COOKIE, token, auth.sessionTtlMs);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = sessionInfo(auth, { kind: 'user', name: found.name, role: found.user.role, session: token });
  });

  router.get('/session', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = sessionInfo(auth, principalOf(ctx));
  });

  router.delete('/session', async (ctx) => {
    const all = ctx.query.all;
    if (all !== undefined && all !== 'true' && all !== 'false') throw invalidParameter('all', '"true" or "false"', all);
    const principal = principalOf(ctx);
    if (principal.kind === 'user') {
      if (all === 'true') await auth.sessions.endWhere((s) => s.kind === 'user' && s.user === principal.name);
      else await auth.sessions.end(principal.session);
    }
    if (principal.kind === 'share') await auth.sessions.end(principal.session);
    clearSessionCookie(ctx, SESSION_COOKIE);
    clearSessionCookie(ctx, SHARE_COOKIE);
    ctx.status = 204;
  });

  return router;
}

export function principalOf(ctx: Context): Principal {
  return (ctx.state.principal as Principal | undefined) ?? { kind: 'anonymous' };
}

export async function throttle(buckets: RateBuckets, key: string): Promise<void> {
  const result = await buckets.take(key);
  if (result.ok) return;
  const seconds = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
  throw new AppError('rate_limited', `too many attempts; try again in ${seconds} s`, { 'Retry-After': seconds });
}

/** What `GET /api/session` answers (the app shell carries the same for its first screen). */
export function sessionInfo(auth: AuthService, principal: Principal): SessionInfo {
  const base = { authRequired: auth.usersExist, user: null, share: null, csrfToken: null, ...(auth.mayUpload(principal) ? { uploads: true } : {}) };
  switch (principal.kind) {
    case 'user':
      return { ...base, user: { name: principal.name, role: principal.role }, csrfToken: auth.csrfToken(principal.session) };
    case 'token':
      return { ...base, user: { name: `token:${principal.name}`, role: principal.role } };
    case 'share': {
      const expiresAt = principal.share.expiresAt === null ? null : new Date(principal.share.expiresAt).toISOString();
      return { ...base, share: { expiresAt }, csrfToken: auth.csrfToken(principal.session) };
    }
    case 'open':
    case 'anonymous':
      return base;
  }
}

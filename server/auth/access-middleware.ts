import { timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError, notFound } from '../api/errors.js';
import { decide, type AccessFacts } from './access-policy.js';
import type { AuthService } from './auth-service.js';
import { CSRF_HEADER, principalKey, type Principal } from './principal.js';
import { classifyRequest, type Access } from './route-access.js';
import { verifySignature } from './signed-url.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one gate in front of every router: classifies the request (route-access.ts), finds
 * who is asking, decides (access-policy.ts) and leaves `ctx.state.principal` and, for share
 * links, `ctx.state.scope` (a record predicate) for the routes that list media.
 */
export function accessMiddleware(auth: AuthService): Middleware {
  const { transforms, metrics } = auth.options.config;
  return async (ctx, next) => {
    if (auth.refreshDue) await auth.refresh(ctx.get('authorization') || undefined, (name) => ctx.cookies.get(name));
    const access = classifyRequest(ctx.method, ctx.path);
    const principal = auth.resolve(ctx.get('authorization') || undefined, (name) => ctx.cookies.get(name));
    if (!principal) throw new AppError('unauthorized', 'unknown or malformed API token', { 'WWW-Authenticate': 'Bearer' });
    if (principal.kind === 'open' && !auth.hostAllowed(ctx.get('host'))) {
      throw new AppError('forbidden', 'this server answers only to its loopback name until a user exists');
    }
    const facts: AccessFacts = {
      access,
      principal,
      signature: checkSignature(ctx, access, auth),
      transformsSigned: transforms.signed,
      usersExist: auth.usersExist,
      metricsPublic: metrics.public,
      loopback: isLoopback(ctx.ip),
    };
    const decision = decide(facts);
    if (!decision.allow) throw new AppError(decision.status === 401 ? 'unauthorized' : 'forbidden', decision.message);
    if (decision.check === 'share-item' && principal.kind === 'share' && access.kind === 'item') {
      // 404, not 403: a share link must not learn which other ids exist.
      if (!auth.canSeeItem(principal.share, access.id)) throw notFound('media item');
    }
    if (decision.check === 'share-listing' && principal.kind === 'share') ctx.state.scope = auth.scopeOf(principal.share);
    if (access.kind !== 'public') checkCsrf(ctx, principal, auth);
    if (auth.usersExist && auth.apiLimited && access.kind !== 'public') await rateLimit(ctx, principal, auth);
    ctx.state.principal = principal;
    // The shape other routes (metrics) read to recognise an admin.
    if (principal.kind === 'user' || principal.kind === 'token') ctx.state.user = { name: principal.name, role: principal.role };
    await next();
    if (auth.usersExist && access.kind !== 'public') keepPrivate(ctx);
  };
}

/**
 * Routes mark thumbnails `public, immutable` for speed; once access is restricted, a shared
 * cache (a caching reverse proxy, a CDN) must not hand them to someone else, so the
 * browser's own cache is the only one allowed.
 */
function keepPrivate(ctx: Context): void {
  const cacheControl = ctx.response.get('Cache-Control');
  if (/\bpublic\b/i.test(cacheControl)) ctx.set('Cache-Control', cacheControl.replace(/\bpublic\b/i, 'private'));
}

/** Verifies `expires`/`sig` on item routes, then removes them so routes see only their own parameters. */
function checkSignature(ctx: Context, access: Access, auth: AuthService): AccessFacts['signature'] {
  if (access.kind === 'upload') return checkUploadSignature(ctx, auth);
  if (access.kind !== 'item') return 'none';
  const query = ctx.querystring;
  if (!/(^|&)(sig|expires)=/.test(query)) return 'none';
  const result = verifySignature(auth.signingSecrets, ctx.method, ctx.path, query, auth.now());
  const params = new URLSearchParams(query);
  params.delete('sig');
  params.delete('expires');
  ctx.querystring = params.toString();
  return result.ok ? 'valid' : 'invalid';
}

/**
 * A signed upload URL signs only `folder` and `expires` (see uploadSignedPath), so a script
 * may add `name` or `outputs` per file; the granted folder is left for the upload route.
 */
function checkUploadSignature(ctx: Context, auth: AuthService): AccessFacts['signature'] {
  const params = new URLSearchParams(ctx.querystring);
  if (!params.has('sig') && !params.has('expires')) return 'none';
  const signed = new URLSearchParams();
  for (const key of ['folder', 'expires', 'sig']) for (const value of params.getAll(key)) signed.append(key, value);
  const result = verifySignature(auth.signingSecrets, ctx.method, ctx.path, signed.toString(), auth.now());
  if (result.ok) ctx.state.uploadGrant = { folder: params.get('folder') ?? '' };
  params.delete('sig');
  params.delete('expires');
  params.delete('folder');
  ctx.querystring = params.toString();
  return result.ok ? 'valid' : 'invalid';
}

/**
 * Cookie sessions must echo their CSRF token in `X-Spis-CSRF` on every change. A page on
 * another site can make the browser send the cookie, but cannot read the token or set a
 * custom header without a CORS preflight. Bearer tokens are not ambient, so they are exempt.
 */
function checkCsrf(ctx: Context, principal: Principal, auth: AuthService): void {
  if (SAFE_METHODS.has(ctx.method) || (principal.kind !== 'user' && principal.kind !== 'share')) return;
  const given = Buffer.from(ctx.get(CSRF_HEADER));
  const expected = Buffer.from(auth.csrfToken(principal.session));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('forbidden', `missing or wrong ${CSRF_HEADER} header (see GET /api/session)`);
  }
}

async function rateLimit(ctx: Context, principal: Principal, auth: AuthService): Promise<void> {
  const result = await auth.api.take(principalKey(principal, ctx.ip));
  if (!result.ok) {
    const seconds = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
    throw new AppError('rate_limited', 'too many requests; slow down', { 'Retry-After': seconds });
  }
}

export function isLoopback(address: string): boolean {
  return /^(::ffff:)?127\./.test(address) || address === '::1';
}

import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { AuthService } from '../auth/auth-service.js';
import { readJsonBody } from '../auth/json-body.js';
import { hashPassword, verifyPassword } from '../auth/password-hash.js';
import { SHARE_COOKIE } from '../auth/principal.js';
import { digestToken } from '../auth/secret-token.js';
import { setSessionCookie } from '../auth/session-cookies.js';
import { checkNewPassword } from '../auth/user-store.js';
import type { ShareUpload } from '../auth/share-store.js';
import type { MediaFilter } from '../media/media-index.js';
import { sanitiseSegment } from '../uploads/upload-names.js';
import { AppError, invalidParameter, notFound } from './errors.js';
import { parseFilter, timelineKeys, type RawQuery } from './media-query.js';
import { principalOf, throttle } from './session-routes.js';

const MAX_ITEMS = 5000;

/** Share links: create, list, exchange for a scoped cookie, revoke. */
export function shareRoutes(auth: AuthService, publicUrl: string): Router {
  const router = createRouter({ prefix: '/api' });

  router.post('/shares', async (ctx) => {
    const principal = principalOf(ctx);
    const body = await readJsonBody(ctx);
    const upload = parseDrop(body);
    const { items, filter } = upload && body.items === undefined && body.filter === undefined ? { items: [], filter: null } : parseScope(body, auth);
    const expiresAt = parseExpiry(body.expiresAt, auth.now());
    let passwordHash: string | null = null;
    if (body.password !== undefined) {
      const problem = typeof body.password === 'string' ? checkNewPassword(body.password) : 'expected a string';
      if (problem) throw invalidParameter('password', problem, '(hidden)');
      passwordHash = await hashPassword(body.password as string);
    }
    const createdBy = principal.kind === 'user' || principal.kind === 'token' ? `${principal.kind}:${principal.name}` : 'local';
    const token = await auth.shares.create({ items, filter, expiresAt, passwordHash, createdBy, upload });
    const base = (publicUrl || `${ctx.protocol}://${ctx.host}`).replace(/\/+$/, '');
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    // The token rides in the fragment, which browsers never send to servers or in Referer.
    ctx.body = { token, id: digestToken(token), url: `${base}/#share=${token}`, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() };
  });

  // The links a member made (an admin: every link), for a page to review and revoke them.
  // Tokens are kept only as digests, so a listed link is named by its digest (`id`), which
  // revokes it like the token does but cannot open it.
  router.get('/shares', (ctx) => {
    const principal = principalOf(ctx);
    const owner = ownerOf(principal);
    const admin = isAdmin(principal);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      shares: auth.shares
        .list()
        .filter(({ share }) => admin || share.createdBy === owner)
        .map(({ digest, share }) => ({
          id: digest,
          items: share.items?.length ?? null,
          filter: share.filter,
          createdAt: new Date(share.createdAt).toISOString(),
          createdBy: share.createdBy,
          expiresAt: share.expiresAt === null ? null : new Date(share.expiresAt).toISOString(),
          password: share.passwordHash !== null,
          views: share.views ?? 0,
        })),
    };
  });

  router.post('/shares/:token/session', async (ctx) => {
    // Passwords in URLs end up in logs, history and proxies: refuse them outright.
    if (new URLSearchParams(ctx.querystring).has('password')) {
      throw invalidParameter('password', 'to be sent in the JSON body, never in the URL', '(hidden)');
    }
    const shareToken = ctx.params.token ?? '';
    // Not known here: it may have been made through another replica a moment ago.
    const found = auth.shares.byToken(shareToken) ?? (await auth.shares.refresh(true), auth.shares.byToken(shareToken));
    if (!found) throw new AppError('not_found', 'share link not found or expired');
    if (found.share.passwordHash !== null) {
      // Tokens are 256 random bits and cannot be guessed; a share password can, so only it is throttled.
      await throttle(auth.loginByAddress, `ip:${ctx.ip}`);
      const body = ctx.request.length || ctx.get('content-type') ? await readJsonBody(ctx) : {};
      const password = typeof body.password === 'string' ? body.password : '';
      const ok = await verifyPassword(password, found.share.passwordHash);
      if (!ok || password === '') throw new AppError('unauthorized', 'this share link needs its password');
    }
    const left = found.share.expiresAt === null ? auth.sessionTtlMs : found.share.expiresAt - auth.now();
    const ttl = Math.min(auth.sessionTtlMs, left);
    const token = await auth.sessions.create({ kind: 'share', share: found.digest }, ttl);
    setSessionCookie(ctx, SHARE_COOKIE, token, ttl);
    await auth.shares.countView(found.digest);
    ctx.set('Cache-Control', 'no-store');
    const expiresAt = found.share.expiresAt === null ? null : new Date(found.share.expiresAt).toISOString();
    ctx.body = { share: { expiresAt }, csrfToken: auth.csrfToken(token) };
  });

  router.delete('/shares/:token', async (ctx) => {
    const principal = principalOf(ctx);
    // The token itself, or the `id` (digest) a listing gave.
    const param = ctx.params.token ?? '';
    const digest = auth.shares.byDigest(param) ? param : digestToken(param);
    const share = auth.shares.byDigest(digest);
    if (!share) throw notFound('share link');
    const owner = ownerOf(principal);
    const admin = isAdmin(principal);
    if (!admin && share.createdBy !== owner) throw new AppError('forbidden', 'only its creator or an admin can revoke a share link');
    await auth.shares.revoke(digest);
    await auth.sessions.endWhere((s) => s.kind === 'share' && s.share === digest);
    ctx.status = 204;
  });

  return router;
}

function ownerOf(principal: ReturnType<typeof principalOf>): string {
  return principal.kind === 'user' || principal.kind === 'token' ? `${principal.kind}:${principal.name}` : 'local';
}

function isAdmin(principal: ReturnType<typeof principalOf>): boolean {
  return principal.kind === 'open' || ((principal.kind === 'user' || principal.kind === 'token') && principal.role === 'admin');
}

function parseScope(body: Record<string, unknown>, auth: AuthService): { items: string[] | null; filter: MediaFilter | null } {
  if ((body.items === undefined) === (body.filter === undefined)) {
    throw new AppError('invalid_body', 'give either "items" (a list of ids) or "filter" (an object), not both');
  }
  if (body.items !== undefined) {
    const items = body.items;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS || !items.every((id) => typeof id === 'string')) {
      throw invalidParameter('items', `a list of 1 to ${MAX_ITEMS} item ids`, JSON.stringify(items).slice(0, 80));
    }
    const missing = items.find((id) => !auth.options.index.getById(id));
    if (missing !== undefined) throw invalidParameter('items', 'ids of existing items', missing);
    return { items: [...new Set(items)], filter: null };
  }
  const raw = body.filter;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameter('filter', 'an object', String(raw));
  const query: RawQuery = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) throw invalidParameter(`filter.${key}`, 'a string, number or boolean', String(value));
    query[key] = String(value);
  }
  return { items: null, filter: parseFilter(query, timelineKeys) };
}

/** `upload: true` makes a drop link: guests add photos into `folder`, up to `quotaBytes`. */
function parseDrop(body: Record<string, unknown>): ShareUpload | null {
  if (body.upload === undefined || body.upload === false) {
    if (body.folder !== undefined || body.quotaBytes !== undefined) throw new AppError('invalid_body', '"folder" and "quotaBytes" go with "upload": true');
    return null;
  }
  if (body.upload !== true) throw invalidParameter('upload', 'true or false', String(body.upload));
  const folder = typeof body.folder === 'string' ? sanitiseSegment(body.folder, 100) : '';
  if (folder === '') throw invalidParameter('folder', 'a folder name for the guests\' uploads', String(body.folder));
  const quota = body.quotaBytes ?? 1024 * 1024 * 1024;
  if (typeof quota !== 'number' || !Number.isSafeInteger(quota) || quota <= 0) throw invalidParameter('quotaBytes', 'a positive whole number of bytes', String(quota));
  return { folder, quotaBytes: quota, usedBytes: 0, items: [] };
}

function parseExpiry(value: unknown, now: number): number | null {
  if (value === undefined || value === null) return null;
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(at) || at <= now) throw invalidParameter('expiresAt', 'an ISO-8601 date in the future', String(value));
  return at;
}

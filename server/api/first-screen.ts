import type { Context } from 'koa';
import { decide } from '../auth/access-policy.js';
import type { AuthService } from '../auth/auth-service.js';
import type { Principal } from '../auth/principal.js';
import type { MediaPage } from '../shared/api-types.js';
import { BOOT_ELEMENT_ID, FIRST_PAGE_LIMIT, type BootData } from '../shared/boot.js';
import type { MediaListing } from './media-listing.js';
import { principalOf, sessionInfo } from './session-routes.js';

/** Thumbnails of the newest items the shell asks the browser to fetch while the script loads. */
const PRELOADED_THUMBS = 6;
const FIRST_PAGE_QUERY = `limit=${FIRST_PAGE_LIMIT}`;

export interface FirstScreenOptions {
  listing: MediaListing;
  auth: AuthService;
}

/**
 * Markup for the app shell's `<head>` on a browser's first load of the timeline: the session,
 * the first page and the thumbnail format inlined (see BootData), and the first thumbnails
 * preloaded. Without it a phone fetched the script, then asked who it is, then for the first
 * page, and only then for a thumbnail: four round trips before the first picture.
 *
 * Only for a document navigation to `/` itself: the service worker's copy of the shell, and
 * every other route, stay the same static file for everyone. Null when there is nothing to add.
 */
export function firstScreenMarkup(
  ctx: Context,
  { listing, auth }: FirstScreenOptions,
): string | null {
  if (
    ctx.method !== 'GET' ||
    ctx.path !== '/' ||
    ctx.querystring !== '' ||
    ctx.get('Sec-Fetch-Dest') !== 'document'
  )
    return null;
  const principal = principalOf(ctx);
  const boot: BootData = { session: sessionInfo(auth, principal) };
  const format = decodedFormat(ctx.get('Accept'));
  if (format) boot.thumbFormat = format;
  let page: Buffer | null = null;
  if (mayList(principal, auth)) {
    const scope = principal.kind === 'share' ? auth.scopeOf(principal.share) : undefined;
    page = listing.body(FIRST_PAGE_QUERY, () => ({ limit: String(FIRST_PAGE_LIMIT) }), scope);
    boot.pageUrl = `/api/media?${FIRST_PAGE_QUERY}`;
  }
  return bootMarkup(boot, page, format ? preloadedThumbs(page, format) : []);
}

/** Whether `GET /api/media` would answer this caller (the same policy the API applies). */
function mayList(principal: Principal, auth: AuthService): boolean {
  const decision = decide({
    access: { kind: 'listing' },
    principal,
    signature: 'none',
    transformsSigned: false,
    usersExist: auth.usersExist,
    metricsPublic: false,
    loopback: false,
  });
  return decision.allow;
}

/**
 * The image format the browser says it decodes in its navigation `Accept` (Chromium names
 * AVIF and WebP there; others name neither, and the app then probes for itself).
 */
export function decodedFormat(accept: string): BootData['thumbFormat'] | null {
  const types = accept.toLowerCase();
  return types.includes('image/avif') ? 'avif' : types.includes('image/webp') ? 'webp' : null;
}

/** Small thumbnail URLs of a page's first items, read once per page body (bodies are shared until they change). */
const firstThumbs = new WeakMap<Buffer, string[]>();

/** The first small thumbnails of `page`, as the app will name them (see web/src/lib/thumb-url.ts). */
export function preloadedThumbs(page: Buffer | null, format: string): string[] {
  if (!page) return [];
  let urls = firstThumbs.get(page);
  if (!urls) {
    const { items } = JSON.parse(page.toString('utf8')) as MediaPage;
    urls = items.slice(0, PRELOADED_THUMBS).map(({ thumbs }) => thumbs.small);
    firstThumbs.set(page, urls);
  }
  return urls.map((url) => `${url}${url.includes('?') ? '&' : '?'}f=${format}`);
}

/**
 * `<script type="application/json">` with the boot data (the page spliced in as the API's own
 * bytes), and the preload links. Every `<` is escaped, so no file name can close the element.
 */
export function bootMarkup(boot: BootData, page: Buffer | null, thumbs: readonly string[]): string {
  let json = JSON.stringify(boot);
  if (page) json = `${json.slice(0, -1)},"page":${page.toString('utf8')}}`;
  const script = `<script type="application/json" id="${BOOT_ELEMENT_ID}">${json.replace(/</g, '\\u003c')}</script>`;
  const links = thumbs.map(
    (url) => `<link rel="preload" as="image" href="${escapeAttribute(url)}" fetchpriority="high">`,
  );
  return [script, ...links].join('\n    ');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

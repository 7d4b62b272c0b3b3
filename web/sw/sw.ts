/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import { ExpirationPlugin } from 'workbox-expiration';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkFirst, type Strategy } from 'workbox-strategies';
import type { WorkboxPlugin } from 'workbox-core/types.js';
import { CACHE_PREFIX, CACHES, isApiListing, isLargeThumb, isSmallThumb } from './routes.js';
import { handleShareTarget, SHARE_TARGET_PATH } from './share-target.js';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

void self.skipWaiting();
clientsClaim();

// The app shell: index.html, the hashed bundle, icons, manifest (list injected at build time).
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//, /^\/probe\//, /^\/metrics/] }));

/** Marks answers served from the offline copy, so the page can say it is offline. */
const markOffline: WorkboxPlugin = {
  cachedResponseWillBeUsed: async ({ cachedResponse }) => {
    if (!cachedResponse) return cachedResponse;
    const headers = new Headers(cachedResponse.headers);
    headers.set('x-spis-offline', '1');
    return new Response(await cachedResponse.blob(), { status: cachedResponse.status, statusText: cachedResponse.statusText, headers });
  },
};

const okOnly = new CacheableResponsePlugin({ statuses: [200] });
const bounded = (maxEntries: number) => new ExpirationPlugin({ maxEntries, maxAgeSeconds: 60 * 60 * 24 * 60, purgeOnQuotaError: true });

// Thumbnails vary by Accept (AVIF/WebP/JPEG); this browser always sends the same one.
const matchOptions = { ignoreVary: true };
const IMAGE_ACCEPT = 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8';

const strategies: Array<[(url: URL) => boolean, Strategy]> = [
  // Listings: always fresh when online; the last answer seen is the offline timeline.
  [isApiListing, new NetworkFirst({ cacheName: CACHES.api, networkTimeoutSeconds: 6, plugins: [okOnly, bounded(400), markOffline] })],
  // Thumbnail URLs carry the item version (?v=), so a cached one never goes stale.
  [isSmallThumb, new CacheFirst({ cacheName: CACHES.small, matchOptions, plugins: [okOnly, bounded(4000)] })],
  [isLargeThumb, new CacheFirst({ cacheName: CACHES.large, matchOptions, plugins: [okOnly, bounded(150)] })],
];
for (const [match, strategy] of strategies) {
  registerRoute(({ url, request }) => request.method === 'GET' && url.origin === self.location.origin && match(url), strategy);
}

// The Web Share Target: a POST navigation, so no GET route above ever sees it.
registerRoute(({ url }) => url.origin === self.location.origin && url.pathname === SHARE_TARGET_PATH, ({ request }) => handleShareTarget(request), 'POST');

self.addEventListener('activate', (event) => {
  // Runtime caches of older worker versions (other prefixes) are dropped.
  const keep = new Set<string>(Object.values(CACHES));
  event.waitUntil(
    caches.keys().then((names) => Promise.all(names.filter((n) => n.startsWith('spis-') && !n.startsWith(CACHE_PREFIX) && !keep.has(n)).map((n) => caches.delete(n)))),
  );
});

/** The page, on its first visit, asks for the thumbnails it already shows to be kept too. */
self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data = event.data as { type?: string; urls?: unknown } | null;
  if (data?.type !== 'cache-urls' || !Array.isArray(data.urls)) return;
  const jobs = data.urls.slice(0, 300).flatMap((raw) => {
    if (typeof raw !== 'string') return [];
    const url = new URL(raw, self.location.origin);
    const entry = url.origin === self.location.origin ? strategies.find(([match]) => match(url)) : undefined;
    return entry ? [entry[1].handle({ request: new Request(url.href, { headers: { accept: IMAGE_ACCEPT } }), event })] : [];
  });
  event.waitUntil(Promise.allSettled(jobs));
});

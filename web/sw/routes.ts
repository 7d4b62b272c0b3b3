/** Cache names carry a version: bump it when the cached shapes change, old ones are dropped. */
export const CACHE_PREFIX = 'spis-v1-';

export const CACHES = {
  api: `${CACHE_PREFIX}api`,
  small: `${CACHE_PREFIX}thumbs-small`,
  large: `${CACHE_PREFIX}thumbs-large`,
} as const;

export function isApiListing(url: URL): boolean {
  return /^\/api\/(media|timeline|folders)$/.test(url.pathname) || /^\/api\/media\/[A-Za-z0-9_-]+$/.test(url.pathname);
}

export function isSmallThumb(url: URL): boolean {
  return /^\/api\/media\/[A-Za-z0-9_-]+\/thumb\/small$/.test(url.pathname);
}

export function isLargeThumb(url: URL): boolean {
  return /^\/api\/media\/[A-Za-z0-9_-]+\/thumb\/large$/.test(url.pathname);
}

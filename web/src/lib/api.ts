import type { ApiError, ApiItem, ApiItemDetail, FolderNode, MediaPage, TimelineBucket } from '../../../server/shared/api-types.js';
import { csrfHeaders } from './session.js';
import { filterParams, type ViewState } from './view-state.js';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** Set by the service worker on answers it served from its offline copy. */
export const OFFLINE_HEADER = 'x-spis-offline';

export interface ApiResult<T> {
  body: T;
  /** True when the service worker answered from its cache because the network failed. */
  offline: boolean;
}

/** One entry of `GET /api/shares`. */
export interface ListedShare {
  id: string;
  items: number | null;
  filter: Record<string, unknown> | null;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  password: boolean;
  views: number;
}

const prefetched = new Map<string, Promise<Response>>();
/** Answers the page came with (see boot.ts), each used once by a GET of its URL. */
const seeded = new Map<string, unknown>();

/** Keeps `body` as the answer to the first GET of `url`. */
export function seed(url: string, body: unknown): void {
  seeded.set(url, body);
}

/**
 * Starts GETs the app will make once it has checked the session, so the first page does
 * not wait for that round trip; each answer is used once, by the first matching request.
 */
export function prefetch(...urls: string[]): void {
  for (const url of urls) {
    if (seeded.has(url)) continue;
    const early = fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    early.catch(() => undefined); // a failure is reported when the request is really made
    prefetched.set(url, early);
  }
}

async function request<T>(url: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  if (init.method === undefined && seeded.has(url)) {
    const body = seeded.get(url) as T;
    seeded.delete(url);
    return { body, offline: false };
  }
  let response: Response;
  const early = init.method === undefined ? prefetched.get(url) : undefined;
  prefetched.delete(url);
  try {
    response = await (early ?? fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' }, ...init }));
  } catch {
    throw new ApiRequestError(0, 'network', 'The server cannot be reached. Check your connection.');
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // an HTML error page from a proxy: reported below by status
  }
  if (!response.ok) {
    const error = (body as ApiError | null)?.error;
    throw new ApiRequestError(response.status, error?.code ?? 'http', error?.message ?? `The server answered ${response.status}.`);
  }
  return { body: body as T, offline: response.headers.get(OFFLINE_HEADER) === '1' };
}

/** Typed calls to the spis JSON API (routes and shapes in DESIGN.md). */
export const api = {
  pageUrl(view: ViewState, cursor: string | null, limit: number): string {
    const params = filterParams(view);
    params.set('limit', String(limit));
    if (view.order === 'asc') params.set('order', 'asc');
    if (cursor) params.set('cursor', cursor);
    return `/api/media?${params}`;
  },
  page(view: ViewState, cursor: string | null, limit: number): Promise<ApiResult<MediaPage>> {
    return request(api.pageUrl(view, cursor, limit));
  },
  timelineUrl(view: ViewState): string {
    const params = filterParams(view).toString();
    return `/api/timeline${params ? `?${params}` : ''}`;
  },
  timeline(view: ViewState): Promise<ApiResult<TimelineBucket[]>> {
    return request(api.timelineUrl(view));
  },
  folders(): Promise<ApiResult<FolderNode>> {
    return request('/api/folders');
  },
  item(id: string): Promise<ApiResult<ApiItemDetail>> {
    return request(`/api/media/${encodeURIComponent(id)}`);
  },
  async mark(id: string, field: 'favorite' | 'archive', on: boolean): Promise<ApiItem> {
    const url = `/api/media/${encodeURIComponent(id)}/${field}`;
    return (await request<ApiItem>(url, { method: on ? 'PUT' : 'DELETE', headers: { accept: 'application/json', ...csrfHeaders() } })).body;
  },
  /** A share link for these items (POST /api/shares); members and admins only. */
  async createShare(ids: string[], expiresAt: string): Promise<{ id: string; url: string; expiresAt: string | null }> {
    const body = JSON.stringify({ items: ids, expiresAt });
    const headers = { accept: 'application/json', 'content-type': 'application/json', ...csrfHeaders() };
    return (await request<{ id: string; url: string; expiresAt: string | null }>('/api/shares', { method: 'POST', headers, body })).body;
  },
  /** The share links this user made (an admin: all), for review. */
  async shares(): Promise<{ shares: ListedShare[] }> {
    return (await request<{ shares: ListedShare[] }>('/api/shares')).body;
  },
  /** Revokes a link by its listed id. */
  async revokeShare(id: string): Promise<void> {
    await request(`/api/shares/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { accept: 'application/json', ...csrfHeaders() } });
  },
  originalUrl(id: string): string {
    return `/api/media/${encodeURIComponent(id)}/original`;
  },
};

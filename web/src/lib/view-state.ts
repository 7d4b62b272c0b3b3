import type { ApiItem, MediaType } from '../../../server/shared/api-types.js';

/** What the timeline shows; mirrored in the page's query string so back/forward restore it. */
export interface ViewState {
  favorite: boolean;
  archived: boolean;
  type: MediaType | null;
  year: number | null;
  month: number | null;
  folder: string;
  q: string;
  order: 'desc' | 'asc';
}

export const defaultView: ViewState = Object.freeze({
  favorite: false,
  archived: false,
  type: null,
  year: null,
  month: null,
  folder: '',
  q: '',
  order: 'desc',
});

function intIn(text: string | null, min: number, max: number): number | null {
  if (text === null || !/^\d{1,4}$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

/** Reads a view from a query string, ignoring anything malformed rather than failing. */
export function parseView(search: string): ViewState {
  const params = new URLSearchParams(search);
  const type = params.get('type');
  const year = intIn(params.get('year'), 1900, 2200);
  return {
    favorite: params.get('favorite') === 'true',
    archived: params.get('archived') === 'true',
    type: type === 'image' || type === 'video' ? type : null,
    year,
    month: year === null ? null : intIn(params.get('month'), 1, 12),
    folder: normalizeFolder(params.get('folder') ?? ''),
    q: (params.get('q') ?? '').slice(0, 200),
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
  };
}

export function normalizeFolder(folder: string): string {
  return folder
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** The filter part shared by the page URL and the API (only keys `/api/media` accepts). */
export function filterParams(view: ViewState): URLSearchParams {
  const params = new URLSearchParams();
  if (view.favorite) params.set('favorite', 'true');
  if (view.archived) params.set('archived', 'true');
  if (view.type) params.set('type', view.type);
  if (view.year !== null) params.set('year', String(view.year));
  if (view.year !== null && view.month !== null) params.set('month', String(view.month));
  if (view.folder) params.set('folder', view.folder);
  if (view.q) params.set('q', view.q);
  return params;
}

/** The page's query string for a view and, optionally, the item open in the lightbox. */
export function viewToSearch(view: ViewState, itemId: string | null = null): string {
  const params = filterParams(view);
  if (view.order === 'asc') params.set('order', 'asc');
  if (itemId) params.set('item', itemId);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function itemFromSearch(search: string): string | null {
  const id = new URLSearchParams(search).get('item');
  return id && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : null;
}

export function sameView(a: ViewState, b: ViewState): boolean {
  return viewToSearch(a) === viewToSearch(b);
}

export function isFiltered(view: ViewState): boolean {
  return filterParams(view).toString() !== '';
}

/** The photo's own wall-clock year and month, read from its ISO string (not the viewer's zone). */
export function wallMonth(takenAt: string): { year: number; month: number } {
  return { year: Number(takenAt.slice(0, 4)), month: Number(takenAt.slice(5, 7)) };
}

/** Whether an item pushed by the server belongs in this view (same rules as the API). */
export function matchesView(item: ApiItem, view: ViewState): boolean {
  if (view.favorite && !item.favorite) return false;
  if (item.archived !== view.archived) return false;
  if (view.type && item.type !== view.type) return false;
  if (view.year !== null) {
    const { year, month } = wallMonth(item.takenAt);
    if (year !== view.year || (view.month !== null && month !== view.month)) return false;
  }
  if (view.folder && !(item.path + '/').startsWith(view.folder + '/')) return false;
  if (view.q && !item.path.toLowerCase().includes(view.q.toLowerCase())) return false;
  return true;
}

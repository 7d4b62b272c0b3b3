import { decodeCursor, type Cursor, type Order } from '../media/cursor.js';
import type { MediaFilter } from '../media/media-index.js';
import { invalidParameter } from './errors.js';

/** Query parameters as Koa parses them. */
export type RawQuery = Record<string, string | string[] | undefined>;

export interface MediaQuery {
  filter: MediaFilter;
  order: Order;
  limit: number;
  cursor: Cursor | null;
}

const filterKeys = ['year', 'month', 'favorite', 'archived', 'type', 'folder', 'q'] as const;
const pageKeys = ['limit', 'cursor', 'order'] as const;

/** Validates `/api/media` parameters; every bad one is a 400 naming the parameter. */
export function parseMediaQuery(query: RawQuery): MediaQuery {
  rejectUnknown(query, [...filterKeys, ...pageKeys]);
  const order = parseOrder(single(query, 'order'));
  const limit = parseInteger('limit', single(query, 'limit'), 1, 500) ?? 100;
  const cursorText = single(query, 'cursor');
  let cursor: Cursor | null = null;
  if (cursorText !== undefined && cursorText !== '') {
    cursor = decodeCursor(cursorText);
    if (!cursor) throw invalidParameter('cursor', 'a nextCursor value from this server', cursorText);
    if (cursor.order !== order) {
      throw invalidParameter('cursor', `a cursor made for order=${order}`, `one made for order=${cursor.order}`);
    }
  }
  return { filter: parseFilter(query), order, limit, cursor };
}

/** Filters shared by `/api/media` and `/api/timeline`. */
export function parseFilter(query: RawQuery, allowed: readonly string[] = [...filterKeys, ...pageKeys]): MediaFilter {
  rejectUnknown(query, allowed);
  const year = parseInteger('year', single(query, 'year'), 1900, 2200);
  const month = parseInteger('month', single(query, 'month'), 1, 12);
  if (month !== undefined && year === undefined) {
    throw invalidParameter('month', 'to come with year', `month=${month} alone`);
  }
  const type = single(query, 'type');
  if (type !== undefined && type !== 'image' && type !== 'video') {
    throw invalidParameter('type', '"image" or "video"', type);
  }
  const folder = single(query, 'folder');
  if (folder !== undefined && (folder.includes('\0') || folder.length > 1024)) {
    throw invalidParameter('folder', 'a folder path', folder);
  }
  const q = single(query, 'q');
  if (q !== undefined && q.length > 200) throw invalidParameter('q', 'at most 200 characters', q);
  return {
    year,
    month,
    favorite: parseBoolean('favorite', single(query, 'favorite')),
    archived: parseBoolean('archived', single(query, 'archived')) ?? false,
    type,
    folder: folder === undefined ? undefined : normalizeFolder(folder),
    q: q === undefined || q === '' ? undefined : q.toLowerCase(),
  };
}

export const timelineKeys: readonly string[] = filterKeys;

function normalizeFolder(folder: string): string {
  return folder
    .replace(/\\/g, '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

function rejectUnknown(query: RawQuery, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) {
      throw invalidParameter(key, `no such parameter (known: ${allowed.join(', ')})`, query[key]);
    }
  }
}

function single(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalidParameter(name, 'a single value', value.join(','));
  return value;
}

function parseInteger(name: string, text: string | undefined, min: number, max: number) {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw invalidParameter(name, `an integer from ${min} to ${max}`, text);
  }
  return Number(text);
}

function parseBoolean(name: string, text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalidParameter(name, '"true" or "false"', text);
}

function parseOrder(text: string | undefined): Order {
  if (text === undefined || text === 'desc') return 'desc';
  if (text === 'asc') return 'asc';
  throw invalidParameter('order', '"desc" or "asc"', text);
}

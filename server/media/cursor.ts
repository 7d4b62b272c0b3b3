import type { SortKey } from './record.js';

/**
 * Opaque keyset cursors: the sort key of the last item returned plus the order it was
 * made for. Keyset (not offset) paging never skips or repeats items when others are
 * added or removed between pages.
 */
export type Order = 'desc' | 'asc';

export interface Cursor extends SortKey {
  order: Order;
}

export function encodeCursor(cursor: Cursor): string {
  const payload = JSON.stringify([1, cursor.order === 'desc' ? 'd' : 'a', cursor.t, cursor.id]);
  return Buffer.from(payload).toString('base64url');
}

/** Returns null for anything that is not a cursor this server made. */
export function decodeCursor(text: string): Cursor | null {
  if (text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 4 || value[0] !== 1) return null;
  const [, order, t, id] = value as unknown[];
  if (order !== 'd' && order !== 'a') return null;
  if (typeof t !== 'number' || !Number.isSafeInteger(t)) return null;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
  return { order: order === 'd' ? 'desc' : 'asc', t, id };
}

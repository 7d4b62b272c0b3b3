import { LRUCache } from 'lru-cache';
import { shareBody } from './shared-bodies.js';

interface Page {
  parts: readonly string[];
  tail: string;
  body: Buffer;
}

/**
 * Recent listing pages as encoded bodies. Everyone scrolling asks for the same newest pages,
 * and joining ~50 KB of item JSON and encoding it to UTF-8 again for every request was work
 * repeated for nothing. A page is reused only while each of its items' JSON text is the very
 * same string (ItemJsonCache hands out the same string until an item changes) and the tail
 * is unchanged, so the key only finds a candidate: a stale page can never be served.
 * Bounded in bytes.
 */
export class PageBodyCache {
  private readonly pages: LRUCache<string, Page>;

  constructor(maxBytes = 2 * 1024 * 1024) {
    this.pages = new LRUCache<string, Page>({ maxSize: maxBytes, sizeCalculation: (page) => Math.max(1, page.body.length) });
  }

  /** `{"items":[parts…]` + tail, from cache when nothing in it changed. */
  body(key: string, parts: readonly string[], tail: string): Buffer {
    const hit = this.pages.get(key);
    if (hit && hit.tail === tail && sameParts(hit.parts, parts)) return hit.body;
    const body = shareBody(Buffer.from(`{"items":[${parts.join(',')}]${tail}`));
    this.pages.set(key, { parts, tail, body });
    return body;
  }
}

function sameParts(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

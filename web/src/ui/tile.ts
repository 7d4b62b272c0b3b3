import type { ApiItem } from '../../../server/shared/api-types.js';
import { h, icon, icons } from '../lib/dom.js';
import { altText, duration } from '../lib/format.js';
import { placeholderColor, placeholderUrl } from '../lib/placeholder.js';
import { thumbUrl } from '../lib/thumb-url.js';
import type { Tile } from '../lib/layout.js';

const SMALL = 400;
const LARGE = 2048;

/** Width of a rendition that fits `box`×`box`, so srcset tells the browser the truth. */
function fittedWidth(item: ApiItem, box: number): number {
  const w = item.width ?? box;
  const hgt = item.height ?? box;
  return Math.max(1, Math.round(w * Math.min(1, box / Math.max(w, hgt))));
}

let template: HTMLElement | null = null;

/**
 * The parts every tile shares, built once: cloning them is several times cheaper than
 * creating each element and icon again, which a phone feels on the first screen.
 */
function blankTile(): HTMLElement {
  // One tab stop for the whole grid: the grid makes one link focusable at a time (roving).
  template ??= h(
    'div.tile',
    {},
    h('a.tile-link', { tabindex: '-1' }, h('img', { decoding: 'async', draggable: 'false' }), h('span.fav-badge', { 'aria-hidden': 'true' }, icon(icons.heart))),
    h('button.check', { type: 'button', 'aria-pressed': 'false', tabindex: '-1' }, icon(icons.check)),
  );
  return template.cloneNode(true) as HTMLElement;
}

export interface TileOptions {
  /**
   * `colour` gives only the thumbhash's average colour: for the first screen, whose thumbnails
   * are already on their way, drawing every blurred preview was the costliest part of a tile.
   */
  preview: 'blur' | 'colour';
  /** Called once the image has loaded: marks the tile `loaded`, which shows the image. */
  reveal: (tile: HTMLElement) => void;
}

export const revealAtOnce = (tile: HTMLElement): void => {
  tile.classList.add('loaded');
};

/**
 * One thumbnail: a link (for keyboard, middle-click and screen readers) over the image, a
 * thumbhash background until the image has loaded, and a selection checkbox.
 */
export function createTile(item: ApiItem, tile: Tile, height: number, href: string, { preview, reveal }: TileOptions): HTMLElement {
  const el = blankTile();
  const link = el.firstElementChild as HTMLAnchorElement;
  const img = link.firstElementChild as HTMLImageElement;
  const check = el.lastElementChild as HTMLButtonElement;
  el.dataset.id = item.id;
  if (preview === 'colour') {
    const colour = placeholderColor(item.placeholder);
    if (colour) el.style.backgroundColor = colour;
  } else {
    const placeholder = placeholderUrl(item.placeholder);
    if (placeholder) el.style.backgroundImage = `url("${placeholder}")`;
  }

  img.alt = altText(item);
  const small = fittedWidth(item, SMALL);
  const large = fittedWidth(item, LARGE);
  const [smallUrl, largeUrl] = [thumbUrl(item.thumbs.small), thumbUrl(item.thumbs.large)];
  img.srcset = large > small ? `${smallUrl} ${small}w, ${largeUrl} ${large}w` : `${smallUrl} ${small}w`;
  img.src = smallUrl;
  img.addEventListener('load', () => reveal(el), { once: true });
  img.addEventListener('error', () => el.classList.add('failed'), { once: true });

  link.href = href;
  link.dataset.id = item.id;
  if (item.type === 'video') img.after(h('span.badge.video-badge', { 'aria-hidden': 'true' }, icon(icons.play), duration(item.durationMs)));
  if (item.livePhoto) link.lastElementChild!.before(h('span.badge.live-badge', { title: 'Live Photo' }, 'LIVE'));
  check.dataset.id = item.id;
  check.setAttribute('aria-label', `Select ${item.name}`);
  placeTile(el, tile, height);
  applyItemState(el, item, false);
  return el;
}

/** Position and size in its row; a kept tile is moved here instead of being rebuilt. */
export function placeTile(el: HTMLElement, tile: Tile, height: number): void {
  el.style.left = `${tile.left}px`;
  el.style.width = `${tile.width}px`;
  el.style.height = `${height}px`;
  const img = el.querySelector('img');
  if (img) img.sizes = `${tile.width}px`;
}

export function applyItemState(el: HTMLElement, item: ApiItem, selected: boolean): void {
  el.classList.toggle('favorite', item.favorite);
  el.classList.toggle('selected', selected);
  el.querySelector('.check')?.setAttribute('aria-pressed', String(selected));
}

/** Stops a pending thumbnail download when its tile leaves the screen during a fast scroll. */
export function releaseTile(el: HTMLElement): void {
  const img = el.querySelector('img');
  if (img && !el.classList.contains('loaded')) {
    img.removeAttribute('srcset');
    img.removeAttribute('src');
  }
}

import type { ApiItem } from '../../../server/shared/api-types.js';
import { wallMonth } from './view-state.js';

export interface HeaderBlock {
  kind: 'header';
  top: number;
  height: number;
  /** "2023-07" */
  key: string;
  year: number;
  month: number;
  /** Index of the section's first item. */
  start: number;
}

export interface Tile {
  index: number;
  left: number;
  width: number;
}

export interface RowBlock {
  kind: 'row';
  top: number;
  height: number;
  tiles: Tile[];
}

export type Block = HeaderBlock | RowBlock;

export interface LayoutOptions {
  width: number;
  rowHeight: number;
  gap: number;
  headerHeight: number;
}

export interface Layout {
  options: LayoutOptions;
  blocks: Block[];
  height: number;
  /** Items laid out so far. */
  count: number;
}

/** Row height that suits the screen: about three tiles across a phone, more on a desktop. */
export function rowHeightFor(width: number): number {
  return Math.round(Math.min(220, Math.max(104, width / 3.6)));
}

export function aspectOf(item: ApiItem): number {
  const ratio = item.width && item.height ? item.width / item.height : 1;
  // Panoramas and slivers would make unusable tiles; the thumbnail is cropped to fit instead.
  return Math.min(2.6, Math.max(0.5, ratio));
}

export function monthKey(item: ApiItem): string {
  return item.takenAt.slice(0, 7);
}

export function emptyLayout(options: LayoutOptions): Layout {
  return { options, blocks: [], height: 0, count: 0 };
}

/**
 * A justified layout grouped under month headers, recomputed only from the section that
 * contains `from` onwards, so appending a page costs one section, not the whole library.
 */
export function layoutFrom(previous: Layout, items: readonly ApiItem[], from: number): Layout {
  const { options } = previous;
  let keep = 0;
  for (let b = previous.blocks.length - 1; b >= 0; b--) {
    const block = previous.blocks[b]!;
    if (block.kind === 'header' && block.start <= from) {
      keep = b;
      break;
    }
  }
  const blocks = previous.blocks.slice(0, keep);
  const startBlock = previous.blocks[keep];
  let index = startBlock?.kind === 'header' ? Math.min(startBlock.start, from) : 0;
  if (blocks.length === 0) index = 0;
  let top = startBlock ? startBlock.top : 0;
  while (index < items.length) {
    const key = monthKey(items[index]!);
    let end = index;
    while (end < items.length && monthKey(items[end]!) === key) end++;
    const { year, month } = wallMonth(items[index]!.takenAt);
    blocks.push({ kind: 'header', top, height: options.headerHeight, key, year, month, start: index });
    top += options.headerHeight;
    for (const row of justify(items, index, end, options)) {
      blocks.push({ kind: 'row', top, height: row.height, tiles: row.tiles });
      top += row.height + options.gap;
    }
    index = end;
  }
  return { options, blocks, height: top, count: items.length };
}

function justify(items: readonly ApiItem[], start: number, end: number, options: LayoutOptions) {
  const rows: Array<{ height: number; tiles: Tile[] }> = [];
  const { width, rowHeight, gap } = options;
  let rowStart = start;
  let sum = 0;
  for (let i = start; i < end; i++) {
    sum += aspectOf(items[i]!);
    const count = i - rowStart + 1;
    const natural = sum * rowHeight + gap * (count - 1);
    if (natural >= width) {
      const height = (width - gap * (count - 1)) / sum;
      rows.push(placeRow(items, rowStart, i + 1, height, gap));
      rowStart = i + 1;
      sum = 0;
    }
  }
  // The last row of a month keeps the target height instead of being stretched.
  if (rowStart < end) rows.push(placeRow(items, rowStart, end, rowHeight, gap));
  return rows;
}

function placeRow(items: readonly ApiItem[], start: number, end: number, height: number, gap: number) {
  const tiles: Tile[] = [];
  let left = 0;
  for (let i = start; i < end; i++) {
    const width = aspectOf(items[i]!) * height;
    tiles.push({ index: i, left: Math.round(left), width: Math.round(left + width) - Math.round(left) });
    left += width + gap;
  }
  return { height: Math.round(height), tiles };
}

/** Index of the first block whose bottom edge is below `y` (binary search). */
export function firstBlockBelow(layout: Layout, y: number): number {
  let lo = 0;
  let hi = layout.blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const block = layout.blocks[mid]!;
    if (block.top + block.height < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function headerFor(layout: Layout, key: string): HeaderBlock | undefined {
  for (const block of layout.blocks) if (block.kind === 'header' && block.key === key) return block;
  return undefined;
}

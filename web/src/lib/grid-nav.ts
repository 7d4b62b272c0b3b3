import type { Layout, RowBlock } from './layout.js';

export type GridMove = 'left' | 'right' | 'up' | 'down' | 'home' | 'end';

const KEYS: Record<string, GridMove> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  Home: 'home',
  End: 'end',
};

/** The grid move a key stands for, or null for keys the grid leaves alone. */
export function gridMoveFor(key: string): GridMove | null {
  return KEYS[key] ?? null;
}

/** Index of the row block holding item `index` (rows are in item order). */
export function rowOf(layout: Layout, index: number): number {
  let lo = 0;
  let hi = layout.blocks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (firstIndexAt(layout, mid) <= index) lo = mid;
    else hi = mid - 1;
  }
  // A header and the row after it share a first index: the row is the one holding tiles.
  while (lo < layout.blocks.length && layout.blocks[lo]!.kind !== 'row') lo++;
  return lo;
}

function firstIndexAt(layout: Layout, b: number): number {
  const block = layout.blocks[b]!;
  return block.kind === 'header' ? block.start : block.tiles[0]!.index;
}

/**
 * Where arrow keys lead in the justified grid: left and right walk the items in order
 * (across rows and months), up and down go to the tile of the row above or below whose
 * centre is nearest, Home and End to the first and last item laid out. Null at an edge.
 */
export function moveInGrid(layout: Layout, index: number, move: GridMove): number | null {
  if (layout.count === 0) return null;
  if (move === 'home') return 0;
  if (move === 'end') return layout.count - 1;
  if (move === 'left') return index > 0 ? index - 1 : null;
  if (move === 'right') return index < layout.count - 1 ? index + 1 : null;
  const at = rowOf(layout, index);
  const row = layout.blocks[at] as RowBlock | undefined;
  const tile = row?.tiles.find((t) => t.index === index);
  if (!row || !tile) return null;
  const centre = tile.left + tile.width / 2;
  const step = move === 'up' ? -1 : 1;
  for (let b = at + step; b >= 0 && b < layout.blocks.length; b += step) {
    const block = layout.blocks[b]!;
    if (block.kind !== 'row') continue;
    let best = block.tiles[0]!;
    for (const t of block.tiles)
      if (Math.abs(t.left + t.width / 2 - centre) < Math.abs(best.left + best.width / 2 - centre))
        best = t;
    return best.index;
  }
  return null;
}

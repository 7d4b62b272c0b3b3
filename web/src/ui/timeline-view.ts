import type { ApiItem } from '../../../server/shared/api-types.js';
import { h } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';
import { monthLabel } from '../lib/format.js';
import { emptyLayout, firstBlockBelow, headerFor, layoutFrom, rowHeightFor, type Block, type Layout } from '../lib/layout.js';
import { applyItemState, createTile, releaseTile } from './tile.js';
import { TileGestures } from './tile-gestures.js';

interface TimelineEvents extends Record<string, unknown> {
  open: { id: string };
  toggle: { id: string };
  'long-press': { id: string };
  'need-more': undefined;
  'month-visible': { key: string };
}

const OVERSCAN = 1.0; // viewport heights rendered above and below, so flings rarely show gaps

/**
 * The virtualized justified grid. Only blocks (month headers and rows) near the viewport
 * exist in the DOM, positioned absolutely inside a canvas as tall as the whole timeline,
 * so 50,000 items cost the same DOM as 50.
 */
export class TimelineView extends Emitter<TimelineEvents> {
  private readonly canvas = h('div.canvas');
  private readonly stateBox = h('div.state', { hidden: true });
  /** Stands for items not loaded yet, so a fast fling or a scrollbar drag shows placeholders, not a void. */
  private readonly pending = h('div.pending', { 'aria-hidden': 'true' });
  private items: readonly ApiItem[] = [];
  private layout: Layout = emptyLayout({ width: 0, rowHeight: 160, gap: 4, headerHeight: 48 });
  private readonly mounted = new Map<string, HTMLElement>();
  private readonly tiles = new Map<string, HTMLElement>();
  private selection: ReadonlySet<string> = new Set();
  private estimateRemaining = 0;
  private frame = 0;
  private lastMonth = '';
  private canvasTop = 0;
  hrefFor: (id: string) => string = (id) => `?item=${id}`;

  constructor(private readonly root: HTMLElement) {
    super();
    root.append(this.stateBox, this.canvas);
    this.canvas.append(this.pending);
    window.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.relayout()).observe(root);
    const gestures = new TileGestures(this.canvas);
    gestures.on('activate', ({ id }) => this.emit(this.selection.size > 0 ? 'toggle' : 'open', { id }));
    gestures.on('toggle', ({ id }) => this.emit('toggle', { id }));
    gestures.on('long-press', ({ id }) => this.emit('long-press', { id }));
  }

  /** New item list; `from` is the first index that changed (layout resumes there). */
  setItems(items: readonly ApiItem[], from = 0, estimateRemaining = this.estimateRemaining): void {
    this.items = items;
    this.estimateRemaining = estimateRemaining;
    if (this.layout.options.width === 0) this.relayout();
    else {
      this.layout = layoutFrom(this.layout, items, Math.min(from, this.layout.count));
      this.render();
    }
  }

  setSelection(selection: ReadonlySet<string>): void {
    this.selection = selection;
    this.root.classList.toggle('selecting', selection.size > 0);
    for (const [id, el] of this.tiles) {
      const item = this.itemById(el, id);
      if (item) applyItemState(el, item, selection.has(id));
    }
  }

  /** Re-applies marks (favorite) to a visible tile after the item changed. */
  refreshItem(item: ApiItem): void {
    const el = this.tiles.get(item.id);
    if (el) applyItemState(el, item, this.selection.has(item.id));
  }

  showState(message: HTMLElement | null): void {
    this.stateBox.replaceChildren(...(message ? [message] : []));
    this.stateBox.hidden = message === null;
  }

  scrollToMonth(key: string): boolean {
    const header = headerFor(this.layout, key);
    if (!header) return false;
    window.scrollTo({ top: this.canvasTop + header.top - this.topInset(), behavior: 'auto' });
    return true;
  }

  /** Brings an item's row into view (after the lightbox moved through the timeline). */
  revealItem(id: string): void {
    const block = this.layout.blocks.find((b) => b.kind === 'row' && b.tiles.some((t) => this.items[t.index]?.id === id));
    if (!block) return;
    const top = this.canvasTop + block.top;
    const inset = this.topInset();
    if (top < window.scrollY + inset || top + block.height > window.scrollY + window.innerHeight) {
      window.scrollTo({ top: top - inset - 8 });
    }
    this.render();
  }

  focusItem(id: string): void {
    (this.tiles.get(id)?.querySelector('.tile-link') as HTMLElement | null)?.focus({ preventScroll: true });
  }

  get renderedTileCount(): number {
    return this.tiles.size;
  }

  /** Page offset of the end of the loaded items (the canvas below it is only an estimate). */
  get loadedBottom(): number {
    return this.canvasTop + this.layout.height;
  }

  private itemById(el: HTMLElement, id: string): ApiItem | undefined {
    const index = Number(el.dataset.index);
    const item = this.items[index];
    return item?.id === id ? item : this.items.find((candidate) => candidate.id === id);
  }

  private topInset(): number {
    return (document.getElementById('topbar')?.offsetHeight ?? 0) + 4;
  }

  private relayout(): void {
    const width = this.canvas.clientWidth;
    if (width === 0) return;
    const options = { width, rowHeight: rowHeightFor(width), gap: 4, headerHeight: 48 };
    this.layout = layoutFrom(emptyLayout(options), this.items, 0);
    for (const el of this.mounted.values()) el.remove();
    this.mounted.clear();
    this.tiles.clear();
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const perItem = this.layout.count ? this.layout.height / this.layout.count : 0;
    const pendingHeight = Math.round(this.estimateRemaining * perItem);
    this.canvas.style.height = `${Math.round(this.layout.height) + pendingHeight}px`;
    this.pending.style.transform = `translateY(${Math.round(this.layout.height)}px)`;
    this.pending.style.height = `${pendingHeight}px`;
    this.canvasTop = this.canvas.getBoundingClientRect().top + window.scrollY;
    const viewTop = window.scrollY - this.canvasTop;
    const viewHeight = window.innerHeight;
    const from = viewTop - viewHeight * OVERSCAN;
    const to = viewTop + viewHeight * (1 + OVERSCAN);
    const wanted = new Map<string, Block>();
    for (let b = firstBlockBelow(this.layout, from); b < this.layout.blocks.length; b++) {
      const block = this.layout.blocks[b]!;
      if (block.top > to) break;
      wanted.set(this.keyOf(block), block);
    }
    this.sync(wanted);
    this.trackMonth(viewTop + this.topInset());
    if (viewTop + viewHeight * 2.5 >= this.layout.height) this.emit('need-more', undefined);
  }

  private keyOf(block: Block): string {
    if (block.kind === 'header') return `h${block.key}`;
    const first = this.items[block.tiles[0]!.index]!;
    const last = this.items[block.tiles[block.tiles.length - 1]!.index]!;
    return `r${first.id}|${last.id}|${block.tiles.length}|${this.layout.options.width}`;
  }

  /** Adds missing blocks, moves kept ones, drops the rest; DOM order follows visual order for Tab. */
  private sync(wanted: Map<string, Block>): void {
    for (const [key, el] of this.mounted) {
      if (wanted.has(key)) continue;
      for (const tile of el.querySelectorAll<HTMLElement>('.tile')) {
        releaseTile(tile);
        this.tiles.delete(tile.dataset.id!);
      }
      el.remove();
      this.mounted.delete(key);
    }
    let previous: HTMLElement | null = null;
    for (const [key, block] of wanted) {
      let el = this.mounted.get(key);
      if (!el) {
        el = this.createBlock(block);
        this.mounted.set(key, el);
      }
      el.style.transform = `translateY(${block.top}px)`;
      const expectedNext: ChildNode | null = previous ? previous.nextSibling : this.pending.nextSibling;
      if (expectedNext !== el) this.canvas.insertBefore(el, expectedNext);
      previous = el;
    }
  }

  private createBlock(block: Block): HTMLElement {
    if (block.kind === 'header') {
      const el = h('h2.month', { 'data-key': block.key }, monthLabel(block.year, block.month));
      el.style.height = `${block.height}px`;
      return el;
    }
    const row = h('div.row', { role: 'presentation' });
    row.style.height = `${block.height}px`;
    for (const tile of block.tiles) {
      const item = this.items[tile.index]!;
      const el = createTile(item, tile, block.height, this.hrefFor(item.id));
      el.dataset.index = String(tile.index);
      applyItemState(el, item, this.selection.has(item.id));
      this.tiles.set(item.id, el);
      row.append(el);
    }
    return row;
  }

  private trackMonth(y: number): void {
    const at = Math.min(firstBlockBelow(this.layout, y), this.layout.blocks.length - 1);
    for (let b = at; b >= 0; b--) {
      const block = this.layout.blocks[b]!;
      if (block.kind === 'header') {
        if (block.key !== this.lastMonth) {
          this.lastMonth = block.key;
          this.emit('month-visible', { key: block.key });
        }
        return;
      }
    }
  }
}

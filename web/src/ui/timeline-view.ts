import type { ApiItem } from '../../../server/shared/api-types.js';
import { h } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';
import { whenIdle } from '../lib/idle.js';
import { monthLabel } from '../lib/format.js';
import { gridMoveFor, moveInGrid, rowOf } from '../lib/grid-nav.js';
import { emptyLayout, firstBlockBelow, headerFor, layoutFrom, rowHeightFor, type Block, type Layout } from '../lib/layout.js';
import { ThrottledBatch } from '../lib/throttled-batch.js';
import { applyItemState, createTile, placeTile, releaseTile, revealAtOnce, type TileOptions } from './tile.js';
import { TileGestures } from './tile-gestures.js';

interface TimelineEvents extends Record<string, unknown> {
  open: { id: string };
  toggle: { id: string };
  'long-press': { id: string };
  'need-more': undefined;
  'month-visible': { key: string };
}

const OVERSCAN = 1.0; // viewport heights rendered above and below, so flings rarely show gaps
/** Until the first scroll only the first screen (and a little below) is built: it loads first. */
const FIRST_OVERSCAN = 0.25;
/**
 * Until the first scroll, a frame builds rows for at most this long, and rows of at most
 * this many tiles, and leaves the rest to the next frames (top row first): a phone then never
 * spends one long task on the first screen, so a tap is answered at once and the first
 * thumbnails are requested sooner. The tile count matters more than the time: each new tile
 * starts its thumbnail's download after the frame's script has run (~1 ms of a traced
 * phone-speed main thread per image, more than building the tile).
 */
interface BuildBudget {
  ms: number;
  tiles: number;
}
const FIRST_BUILD_BUDGET: BuildBudget = { ms: 4, tiles: 6 };
const NO_BUILD_BUDGET: BuildBudget = { ms: Infinity, tiles: Infinity };
/**
 * Until the first scroll, thumbnails that have loaded are shown together, at most this often.
 * Every change on screen costs a frame, and each frame the compositor draws the whole screen
 * again (on the CPU, on a phone without GPU compositing). The first screen's thumbnails arrive
 * over several hundred milliseconds, six connections at a time: shown one by one, their frames
 * made the page's own tasks wait for a core (Lighthouse on 2 cores, interleaved runs: median
 * blocking time 152 vs 262 ms).
 */
const FIRST_REVEAL_INTERVAL_MS = 150;
/** The longest that work which can wait (the service worker, commands, the scrubber) waits for the first screen. */
const FIRST_SCREEN_CAP_MS = 10_000;

/** What the grid built and dropped, for tests and benchmarks that check it does no needless work. */
export interface TileStats {
  built: number;
  destroyed: number;
  /** Tiles built for the first screen (over its first frames), and how many of them were on screen. */
  first: { built: number; visible: number } | null;
}

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
  private readonly firstReveal = new ThrottledBatch<HTMLElement>(FIRST_REVEAL_INTERVAL_MS, (tiles) => tiles.forEach(revealAtOnce));
  private readonly revealFirst = (tile: HTMLElement): void => this.firstReveal.add(tile);
  private items: readonly ApiItem[] = [];
  private layout: Layout = emptyLayout({ width: 0, rowHeight: 160, gap: 4, headerHeight: 48 });
  private readonly mounted = new Map<string, HTMLElement>();
  private readonly tiles = new Map<string, HTMLElement>();
  private selection: ReadonlySet<string> = new Set();
  private estimateRemaining = 0;
  private frame = 0;
  private lastMonth = '';
  private canvasTop = 0;
  private overscan = FIRST_OVERSCAN;
  /** Set while something more urgent (a deep-linked photo) should load before the grid. */
  private held = false;
  /** The item whose link is the grid's one tab stop (roving focus). */
  private current: string | null = null;
  readonly stats: TileStats = { built: 0, destroyed: 0, first: null };
  private firstScreenDone: () => void = () => undefined;
  /**
   * Settles once the first screen is built and its thumbnails have loaded (or failed), or
   * FIRST_SCREEN_CAP_MS after start on a slow line: work that can wait waits for it.
   */
  private readonly firstScreenLoaded = new Promise<void>((resolve) => {
    this.firstScreenDone = resolve;
    setTimeout(resolve, FIRST_SCREEN_CAP_MS);
  });
  hrefFor: (id: string) => string = (id) => `?item=${id}`;

  constructor(private readonly root: HTMLElement) {
    super();
    root.append(this.stateBox, this.canvas);
    this.canvas.append(this.pending);
    // The first screen's thumbnails appear as soon as they are decoded (fading them in only
    // delayed the first complete picture); those scrolled to later fade in over their preview.
    root.classList.add('first-screen');
    window.addEventListener(
      'scroll',
      () => {
        if (this.overscan !== OVERSCAN) root.classList.remove('first-screen');
        this.overscan = OVERSCAN;
        this.schedule();
      },
      { passive: true },
    );
    // Only a new width re-justifies. The canvas's own height changes as pages arrive and
    // must not start a layout: that used to rebuild every tile once per page (a blink).
    new ResizeObserver((entries) => {
      const width = Math.floor(entries[entries.length - 1]!.contentRect.width);
      if (width > 0 && width !== this.layout.options.width) this.relayout(width);
    }).observe(this.canvas);
    this.canvas.addEventListener('keydown', (event) => this.onKey(event));
    this.canvas.addEventListener('focusin', (event) => {
      const id = (event.target as HTMLElement).closest<HTMLElement>('.tile-link')?.dataset.id;
      if (id && id !== this.current) this.setCurrent(id);
    });
    const gestures = new TileGestures(this.canvas);
    gestures.on('activate', ({ id }) => this.emit(this.selection.size > 0 ? 'toggle' : 'open', { id }));
    gestures.on('toggle', ({ id }) => this.emit('toggle', { id }));
    gestures.on('long-press', ({ id }) => this.emit('long-press', { id }));
  }

  /** New item list; `from` is the first index that changed (layout resumes there). */
  setItems(items: readonly ApiItem[], from = 0, estimateRemaining = this.estimateRemaining): void {
    this.items = items;
    this.estimateRemaining = estimateRemaining;
    // Before the first width is known the ResizeObserver lays out everything; after, only
    // the month section where the change starts is re-justified (rows before it stay put).
    if (this.layout.options.width > 0) this.layout = layoutFrom(this.layout, items, Math.min(from, this.layout.count));
    // Rendered in the next frame, where layout is clean: reading positions then costs nothing.
    this.schedule();
  }

  /**
   * Resolves once the first screen is drawn, in an idle task of its own for each caller: what
   * waits for it (menus, commands, the service worker) then never runs as one long task.
   */
  afterFirstScreen(): Promise<void> {
    return this.firstScreenLoaded.then(() => new Promise<void>((resolve) => whenIdle(resolve)));
  }

  /** Keeps the grid from building tiles (and fetching thumbnails) until `until` settles. */
  holdUntil(until: Promise<unknown>): void {
    this.held = true;
    const release = () => {
      this.held = false;
      this.schedule();
    };
    until.then(release, release);
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
    // An empty library or an error is a first screen too: nothing more is coming.
    if (message && this.items.length === 0 && !message.classList.contains('loading')) this.firstScreenDone();
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
    this.setCurrent(id);
    this.linkOf(id)?.focus({ preventScroll: true });
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

  /** A new width: everything is re-justified, but tiles still on screen are moved, not rebuilt. */
  private relayout(width: number): void {
    const options = { width, rowHeight: rowHeightFor(width), gap: 4, headerHeight: 48 };
    this.layout = layoutFrom(emptyLayout(options), this.items, 0);
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
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    if (this.layout.options.width === 0) return;
    // Every read first, then every write: a read after a write forces a synchronous layout.
    const scrollY = window.scrollY;
    this.canvasTop = this.canvas.getBoundingClientRect().top + scrollY;
    const viewHeight = window.innerHeight;
    const inset = this.topInset();
    const viewTop = scrollY - this.canvasTop;

    const perItem = this.layout.count ? this.layout.height / this.layout.count : 0;
    const pendingHeight = Math.round(this.estimateRemaining * perItem);
    this.canvas.style.height = `${Math.round(this.layout.height) + pendingHeight}px`;
    this.pending.style.transform = `translateY(${Math.round(this.layout.height)}px)`;
    this.pending.style.height = `${pendingHeight}px`;
    if (!this.held) {
      const above = this.overscan === OVERSCAN ? OVERSCAN : 0;
      const from = viewTop - viewHeight * above;
      const to = viewTop + viewHeight * (1 + this.overscan);
      const wanted = new Map<string, Block>();
      for (let b = firstBlockBelow(this.layout, from); b < this.layout.blocks.length; b++) {
        const block = this.layout.blocks[b]!;
        if (block.top > to) break;
        wanted.set(this.keyOf(block), block);
      }
      this.keepFocusedRow(wanted);
      const complete = this.sync(wanted, this.overscan === FIRST_OVERSCAN ? FIRST_BUILD_BUDGET : NO_BUILD_BUDGET);
      this.ensureTabStop(viewTop + inset);
      if (!complete) this.schedule();
      else if (!this.stats.first && this.tiles.size > 0) {
        this.stats.first = { built: this.stats.built, visible: this.countVisible(viewTop + inset, viewTop + viewHeight) };
        this.watchFirstScreen();
      }
    }
    this.trackMonth(viewTop + inset);
    if (viewTop + viewHeight * 2.5 >= this.layout.height) this.emit('need-more', undefined);
  }

  /** Settles `firstScreenLoaded` once every image of the tiles just built has loaded or failed. */
  private watchFirstScreen(): void {
    const images = [...this.tiles.values()].map((tile) => tile.querySelector('img')).filter((img) => img !== null && !img.complete);
    const settled = images.map((img) => new Promise((resolve) => {
      img!.addEventListener('load', resolve, { once: true });
      img!.addEventListener('error', resolve, { once: true });
    }));
    void Promise.all(settled).then(() => this.firstScreenDone());
  }

  /** Tiles whose row overlaps the band [top, bottom) of the canvas. */
  private countVisible(top: number, bottom: number): number {
    let count = 0;
    for (let b = firstBlockBelow(this.layout, top); b < this.layout.blocks.length; b++) {
      const block = this.layout.blocks[b]!;
      if (block.top >= bottom) break;
      if (block.kind === 'row') count += block.tiles.length;
    }
    return count;
  }

  /** The row holding the focused tile stays mounted, so focus survives scrolling and new pages. */
  private keepFocusedRow(wanted: Map<string, Block>): void {
    const id = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>('.tile-link')?.dataset.id;
    const index = id ? this.indexOf(id) : -1;
    if (index < 0) return;
    const block = this.layout.blocks[rowOf(this.layout, index)];
    if (block) wanted.set(this.keyOf(block), block);
  }

  private indexOf(id: string): number {
    const el = this.tiles.get(id);
    const hinted = el ? Number(el.dataset.index) : -1;
    if (this.items[hinted]?.id === id) return hinted;
    return this.items.findIndex((item) => item.id === id);
  }

  private linkOf(id: string): HTMLElement | null {
    return this.tiles.get(id)?.querySelector<HTMLElement>('.tile-link') ?? null;
  }

  /** Makes `id`'s link the grid's single tab stop. */
  private setCurrent(id: string | null): void {
    if (this.current) this.linkOf(this.current)?.setAttribute('tabindex', '-1');
    this.current = id;
    if (id) this.linkOf(id)?.setAttribute('tabindex', '0');
  }

  /** The current tile when it is mounted, otherwise the first one on screen, holds the tab stop. */
  private ensureTabStop(viewTop: number): void {
    if (this.current && this.tiles.has(this.current)) return;
    for (let b = firstBlockBelow(this.layout, viewTop); b < this.layout.blocks.length; b++) {
      const block = this.layout.blocks[b]!;
      if (block.kind !== 'row') continue;
      const id = this.items[block.tiles[0]!.index]?.id;
      if (id && this.tiles.has(id)) this.setCurrent(id);
      return;
    }
  }

  /** Arrow keys, Home and End move through the grid; Space selects (the check box takes no tab stop). */
  private onKey(event: KeyboardEvent): void {
    const link = (event.target as HTMLElement).closest<HTMLElement>('.tile-link');
    const id = link?.dataset.id;
    if (!id || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === ' ') {
      event.preventDefault();
      this.emit('toggle', { id });
      return;
    }
    const move = gridMoveFor(event.key);
    const index = move ? this.indexOf(id) : -1;
    if (!move || index < 0) return;
    const target = moveInGrid(this.layout, index, move);
    event.preventDefault();
    if (target === null) return;
    const item = this.items[target];
    if (!item) return;
    this.setCurrent(item.id);
    this.revealIndex(target);
    this.setCurrent(item.id);
    this.linkOf(item.id)?.focus({ preventScroll: true });
  }

  /** Scrolls the row of item `index` into view (if it is not) and renders it at once. */
  private revealIndex(index: number): void {
    const block = this.layout.blocks[rowOf(this.layout, index)];
    if (!block) return;
    const top = this.canvasTop + block.top;
    const inset = this.topInset();
    if (top < window.scrollY + inset) window.scrollTo({ top: top - inset - 8 });
    else if (top + block.height > window.scrollY + window.innerHeight) window.scrollTo({ top: top + block.height - window.innerHeight + 8 });
    this.overscan = OVERSCAN;
    this.render();
  }

  private keyOf(block: Block): string {
    if (block.kind === 'header') return `h${block.key}`;
    const first = this.items[block.tiles[0]!.index]!;
    const last = this.items[block.tiles[block.tiles.length - 1]!.index]!;
    return `r${first.id}|${last.id}|${block.tiles.length}|${this.layout.options.width}`;
  }

  /**
   * Adds missing blocks, moves kept ones, drops the rest; DOM order follows visual order for
   * Tab. A tile whose row changed (a re-justified last row, a new width) moves to its new row
   * with its loaded image instead of being rebuilt, so nothing on screen blinks. New blocks
   * are built within `budget` (at least one); false when some were left for later.
   */
  private sync(wanted: Map<string, Block>, budget: BuildBudget): boolean {
    const started = performance.now();
    const builtBefore = this.stats.built;
    let complete = true;
    const focused = document.activeElement as HTMLElement | null;
    const spare = new Map<string, HTMLElement>();
    for (const [key, el] of this.mounted) {
      if (wanted.has(key)) continue;
      for (const tile of el.querySelectorAll<HTMLElement>('.tile')) spare.set(tile.dataset.id!, tile);
      el.remove();
      this.mounted.delete(key);
    }
    let previous: HTMLElement | null = null;
    for (const [key, block] of wanted) {
      let el = this.mounted.get(key);
      if (!el) {
        const spent = performance.now() - started > budget.ms || this.stats.built - builtBefore >= budget.tiles;
        if (spent) {
          complete = false;
          continue;
        }
        el = this.createBlock(block, spare);
        this.mounted.set(key, el);
      }
      el.style.transform = `translateY(${block.top}px)`;
      const expectedNext: ChildNode | null = previous ? previous.nextSibling : this.pending.nextSibling;
      if (expectedNext !== el) this.canvas.insertBefore(el, expectedNext);
      previous = el;
    }
    for (const [id, tile] of spare) {
      releaseTile(tile);
      if (this.tiles.get(id) === tile) this.tiles.delete(id);
      this.stats.destroyed++;
    }
    // Moving a focused element out of the document blurs it: give focus back.
    if (focused?.isConnected && focused !== document.activeElement && this.canvas.contains(focused)) focused.focus({ preventScroll: true });
    return complete;
  }

  private createBlock(block: Block, spare: Map<string, HTMLElement>): HTMLElement {
    if (block.kind === 'header') {
      const el = h('h2.month', { 'data-key': block.key }, monthLabel(block.year, block.month));
      el.style.height = `${block.height}px`;
      return el;
    }
    const row = h('div.row', { role: 'presentation' });
    const first = this.overscan === FIRST_OVERSCAN;
    const options: TileOptions = { preview: first ? 'colour' : 'blur', reveal: first ? this.revealFirst : revealAtOnce };
    row.style.height = `${block.height}px`;
    for (const tile of block.tiles) {
      const item = this.items[tile.index]!;
      let el = spare.get(item.id);
      if (el) {
        spare.delete(item.id);
        placeTile(el, tile, block.height);
      } else {
        el = createTile(item, tile, block.height, this.hrefFor(item.id), options);
        this.stats.built++;
        if (item.id === this.current) el.querySelector('.tile-link')?.setAttribute('tabindex', '0');
      }
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

import type { ApiItem } from '../../../server/shared/api-types.js';
import { api, ApiRequestError } from '../lib/api.js';
import { FIRST_PAGE, PageLoader, type LoadResult } from '../lib/page-loader.js';
import { defaultView, itemFromSearch, matchesView, parseView, sameView, viewToSearch, type ViewState } from '../lib/view-state.js';
import type { FilterBar } from '../ui/filter-bar.js';
import type { Lightbox } from '../ui/lightbox.js';
import type { Scrubber } from '../ui/scrubber.js';
import type { SelectionBar } from '../ui/selection-bar.js';
import type { StatusLine } from '../ui/status-line.js';
import type { TimelineView } from '../ui/timeline-view.js';
import type { Toasts } from '../ui/toasts.js';
import type { TimelineModel } from './context.js';
import { LightboxController } from './lightbox-controller.js';
import { SelectionController } from './selection-controller.js';
import { emptyState, errorState, loadingState } from './states.js';

/** The longest the grid waits for a deep-linked photo before it loads its own thumbnails. */
const DEEP_LINK_HOLD_MS = 4000;
const DEEP_LINK_MAX_HOLD_MS = 15_000;
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Ui {
  timeline: TimelineView;
  scrubber: Scrubber;
  filters: FilterBar;
  lightbox: Lightbox;
  selectionBar: SelectionBar;
  toasts: Toasts;
  status: StatusLine;
}

/**
 * The one controller: owns the current view (mirrored in the URL), the page loader and
 * the wiring between UI classes. The lightbox and selection have their own small controllers.
 */
export class AppController implements TimelineModel {
  view: ViewState = defaultView;
  loader: PageLoader = new PageLoader(defaultView);
  readonly timeline: TimelineView;
  readonly toasts: Toasts;
  readonly lightboxes: LightboxController;
  readonly selection: SelectionController;
  private total = 0;
  private countsTimer: number | undefined;

  constructor(private readonly ui: Ui) {
    this.timeline = ui.timeline;
    this.toasts = ui.toasts;
    this.lightboxes = new LightboxController(this, ui.lightbox);
    this.selection = new SelectionController(this, ui.selectionBar);
    this.timeline.hrefFor = (id) => viewToSearch(this.view, id) || '/';
    ui.timeline.on('need-more', () => void this.loadMore());
    ui.timeline.on('open', ({ id }) => this.lightboxes.open(id));
    ui.timeline.on('month-visible', ({ key }) => ui.scrubber.setCurrent(key));
    ui.scrubber.on('scrub', ({ key }) => ui.timeline.scrollToMonth(key));
    ui.scrubber.on('jump', ({ key }) => void this.jumpTo(key));
    ui.filters.on('change', (change) => this.setView({ ...this.view, ...change }, true));
    // Only the filter panel shows folders: the list is asked for when it first opens.
    ui.filters.on('need-folders', () => void this.loadFolders());
    window.addEventListener('popstate', () => this.fromUrl());
  }

  start(): void {
    this.fromUrl();
  }

  /** Reads view and open item from the address bar (first load, back and forward). */
  private fromUrl(): void {
    const view = parseView(location.search);
    const item = itemFromSearch(location.search);
    const first = this.loader.store.size === 0;
    // On the first load the page is at its top already: scrolling there would only force a layout.
    if (!sameView(view, this.view) || first) this.setView(view, false, !first);
    if (item) {
      // A deep link: the photo asked for loads first, the grid hidden behind it afterwards. The
      // grid waits at most DEEP_LINK_HOLD_MS once the picture was asked for (a slow server may
      // take a while to describe the item first), and never more than DEEP_LINK_MAX_HOLD_MS.
      let requested = (): void => {};
      const asked = new Promise<void>((resolve) => (requested = resolve));
      const shown = this.lightboxes.open(item, { fromUrl: true, onRequested: () => requested() });
      if (first) {
        const afterAsking = asked.then(() => delay(DEEP_LINK_HOLD_MS));
        this.timeline.holdUntil(Promise.race([shown, afterAsking, delay(DEEP_LINK_MAX_HOLD_MS)]));
      }
    } else this.lightboxes.closed();
  }

  setView(view: ViewState, push: boolean, scrollToTop = true): void {
    if (push) {
      if (sameView(view, this.view)) return;
      history.pushState(null, '', viewToSearch(view) || location.pathname);
    }
    this.view = view;
    this.loader.dispose();
    this.loader = new PageLoader(view);
    this.selection.clear();
    this.ui.filters.setView(view);
    this.timeline.setItems([], 0, 0);
    this.timeline.showState(loadingState());
    if (scrollToTop) window.scrollTo({ top: 0 });
    this.refreshCounts(0);
    void this.loadMore();
  }

  async loadMore(): Promise<void> {
    const loader = this.loader;
    if (loader.done || loader.loading) return;
    try {
      const result = await loader.loadMore();
      if (result) this.showPage(loader, result);
    } catch (error) {
      if (loader !== this.loader) return;
      // The session ended (expired, or logged out elsewhere): start over at the sign-in form.
      if (error instanceof ApiRequestError && error.status === 401) return location.reload();
      const message = error instanceof ApiRequestError ? error.message : String(error);
      if (loader.store.size === 0) this.timeline.showState(errorState(message, () => this.setView(this.view, false)));
      else this.toasts.show(`More photos could not be loaded: ${message}`, { key: 'load', action: { label: 'Retry', run: () => void this.loadMore() } });
    }
  }

  private showPage(loader: PageLoader, result: LoadResult): void {
    if (loader !== this.loader) return;
    this.ui.status.set({ servedFromCache: result.offline });
    this.timeline.setItems(loader.store.items, result.from, this.remaining());
    this.timeline.showState(loader.store.size === 0 ? emptyState(this.view, () => this.setView({ ...defaultView, order: this.view.order }, true)) : null);
  }

  private remaining(): number {
    return this.loader.done ? 0 : Math.max(0, this.total - this.loader.store.size);
  }

  private async jumpTo(key: string): Promise<void> {
    if (this.timeline.scrollToMonth(key)) return;
    this.toasts.show('Loading…', { key: 'jump', timeoutMs: 1500 });
    const loader = this.loader;
    try {
      await loader.loadThrough(key, (result) => this.showPage(loader, result));
      if (loader === this.loader) this.timeline.scrollToMonth(key);
    } catch (error) {
      this.toasts.show(`Could not jump there: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  applyItem(item: ApiItem, { insert = true } = {}): boolean {
    const store = this.loader.store;
    if (!matchesView(item, this.view)) {
      this.removeItem(item.id);
      return false;
    }
    const at = store.get(item.id) ? store.update(item) : insert ? store.insert(item) : -1;
    if (at < 0) return false;
    this.timeline.setItems(store.items, at, this.remaining());
    this.timeline.refreshItem(item);
    this.timeline.showState(null);
    this.lightboxes.itemChanged(item);
    return true;
  }

  removeItem(id: string): void {
    const at = this.loader.store.remove(id);
    if (at < 0) return;
    this.selection.forget(id);
    this.timeline.setItems(this.loader.store.items, at, this.remaining());
    if (this.loader.store.size === 0 && this.loader.done) this.showPage(this.loader, { from: 0, offline: false });
  }

  /** Scrubber buckets, year choices and the size estimate, debounced after live changes. */
  refreshCounts(delayMs = 800): void {
    window.clearTimeout(this.countsTimer);
    this.countsTimer = window.setTimeout(() => void this.loadCounts(), delayMs);
  }

  private async loadCounts(): Promise<void> {
    const view = this.view;
    try {
      // The scrubber and the year menu are not on the first screen: asked for once it is drawn,
      // so their request and its handling never compete with the first thumbnails.
      await this.timeline.afterFirstScreen();
      if (view !== this.view) return;
      const [{ body: buckets }, years] = await Promise.all([
        api.timeline(view),
        view.year === null ? null : api.timeline({ ...view, year: null, month: null }),
      ]);
      if (view !== this.view) return;
      this.total = buckets.reduce((sum, b) => sum + b.count, 0);
      this.ui.scrubber.setBuckets(buckets);
      this.ui.filters.setYears(years?.body ?? buckets);
      this.timeline.setItems(this.loader.store.items, this.loader.store.size, this.remaining());
    } catch {
      // counts are a nicety; the timeline itself reports load errors
    }
  }

  async loadFolders(): Promise<void> {
    try {
      this.ui.filters.setFolders((await api.folders()).body);
    } catch {
      // the folder filter keeps "All folders" only
    }
  }

  /** After the service worker took over, fetch the first page again so it is kept for offline use. */
  warmOfflineCache(): void {
    void api.page(this.view, null, FIRST_PAGE).catch(() => undefined);
    void api.timeline(this.view).catch(() => undefined);
    void api.folders().catch(() => undefined);
  }
}

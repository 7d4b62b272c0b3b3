import type { ApiItem } from '../../../server/shared/api-types.js';
import { api } from '../lib/api.js';
import { thumbUrl } from '../lib/thumb-url.js';
import { itemFromSearch, viewToSearch } from '../lib/view-state.js';
import type { Lightbox } from '../ui/lightbox.js';
import type { TimelineModel } from './context.js';

const SLIDE_MS = 4000;

/** Opening, moving through and closing the lightbox, with the open item kept in the URL. */
export class LightboxController {
  /** Where the open item sat in the list; used when it left the view (e.g. unfavourited). */
  private index = -1;
  private slideTimer: number | undefined;
  private pushed = false;

  constructor(
    private readonly model: TimelineModel,
    private readonly lightbox: Lightbox,
  ) {
    lightbox.on('close', () => this.close());
    lightbox.on('navigate', ({ delta }) => {
      this.stopSlideshow();
      void this.step(delta);
    });
    lightbox.on('favorite', ({ id, on }) => void this.mark(id, 'favorite', on));
    lightbox.on('archive', ({ id, on }) => void this.mark(id, 'archive', on));
    lightbox.on('details', ({ id }) => void this.details(id));
    lightbox.on('slideshow', ({ playing }) => (playing ? this.startSlideshow() : this.stopSlideshow()));
  }

  /**
   * Opens an item of the list, or (from a shared URL) one not loaded yet. Resolves once its
   * picture has loaded (or failed), so a deep link can show it before the grid behind;
   * `onRequested` runs once the picture has been asked for.
   */
  open(id: string, { fromUrl = false, onRequested = () => {} } = {}): Promise<void> {
    const item = this.model.loader.store.get(id);
    if (!fromUrl && itemFromSearch(location.search) !== id) {
      history.pushState({ lightbox: true }, '', viewToSearch(this.model.view, id));
      this.pushed = true;
    }
    if (item) {
      this.show(item);
      onRequested();
      return this.lightbox.settled;
    }
    return api.item(id).then(
      ({ body }) => {
        this.lightbox.show(body, { prev: false, next: false });
        onRequested();
        return this.lightbox.settled;
      },
      () => this.close(),
    );
  }

  /** The URL no longer names an item (back button): hide without touching history. */
  closed(): void {
    const id = this.lightbox.currentId;
    this.stopSlideshow();
    this.lightbox.hide();
    this.pushed = false;
    if (id) this.model.timeline.focusItem(id);
  }

  close(): void {
    if (!this.lightbox.isOpen) return;
    if (this.pushed) history.back();
    else {
      history.replaceState(null, '', viewToSearch(this.model.view) || location.pathname);
      this.closed();
    }
  }

  itemChanged(item: ApiItem): void {
    this.lightbox.updateItem(item);
  }

  private show(item: ApiItem): void {
    const store = this.model.loader.store;
    this.index = store.indexOf(item.id);
    this.lightbox.show(item, { prev: this.index > 0, next: this.index < store.size - 1 || !store.complete });
    this.model.timeline.revealItem(item.id);
    // Warm the neighbours so a swipe shows the large picture at once.
    for (const n of [store.items[this.index + 1], store.items[this.index - 1]]) if (n?.type === 'image') new Image().src = thumbUrl(n.thumbs.large);
  }

  private async step(delta: 1 | -1): Promise<boolean> {
    const store = this.model.loader.store;
    const current = this.lightbox.currentId;
    const at = current ? store.indexOf(current) : -1;
    // An item that left the view leaves its successor at the old index.
    let target = at >= 0 ? at + delta : delta > 0 ? this.index : this.index - 1;
    if (target >= store.size && !store.complete) {
      await this.model.loadMore();
      target = Math.min(target, store.size - 1);
    }
    const item = store.items[target];
    if (!item || target < 0) return false;
    history.replaceState(history.state, '', viewToSearch(this.model.view, item.id));
    this.show(item);
    return true;
  }

  private async mark(id: string, field: 'favorite' | 'archive', on: boolean): Promise<void> {
    try {
      const item = await api.mark(id, field, on);
      this.lightbox.updateItem(item);
      const shown = this.model.applyItem(item, { insert: false });
      if (field === 'archive') {
        this.model.toasts.show(on ? 'Archived: hidden from the timeline (the file is kept).' : 'Back in the timeline.', {
          key: 'archive',
          action: { label: 'Undo', run: () => void this.mark(id, 'archive', !on) },
        });
        if (!shown && !(await this.step(1)) && !(await this.step(-1))) this.close();
      }
      this.model.refreshCounts();
    } catch (error) {
      this.model.toasts.show(`Could not change this item: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async details(id: string): Promise<void> {
    try {
      this.lightbox.showDetails((await api.item(id)).body);
    } catch (error) {
      this.lightbox.detailsFailed(error instanceof Error ? error.message : String(error));
    }
  }

  private startSlideshow(): void {
    this.lightbox.setPlaying(true);
    const tick = () => {
      this.slideTimer = window.setTimeout(() => {
        void this.step(1).then((moved) => (moved ? tick() : this.stopSlideshow()));
      }, SLIDE_MS);
    };
    tick();
  }

  private stopSlideshow(): void {
    window.clearTimeout(this.slideTimer);
    this.lightbox.setPlaying(false);
  }
}

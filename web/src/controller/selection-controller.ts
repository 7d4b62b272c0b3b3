import { keepLink } from '../lib/kept-links.js';
import { api } from '../lib/api.js';
import { plural } from '../lib/format.js';
import type { SelectionAction, SelectionBar } from '../ui/selection-bar.js';
import type { TimelineModel } from './context.js';

/** Multi-select (checkbox or long-press) and one action applied to every selected item. */
export class SelectionController {
  private readonly ids = new Set<string>();
  /** Off for visitors who may not change marks (viewers, share links). */
  enabled = true;

  constructor(
    private readonly model: TimelineModel,
    private readonly bar: SelectionBar,
  ) {
    model.timeline.on('toggle', ({ id }) => this.toggle(id));
    model.timeline.on('long-press', ({ id }) => this.toggle(id));
    bar.on('action', ({ action }) => void this.run(action));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.ids.size && !document.querySelector('#lightbox:not([hidden])')) this.clear();
    });
    this.render();
  }

  toggle(id: string): void {
    if (!this.enabled) return;
    if (!this.ids.delete(id)) this.ids.add(id);
    this.render();
  }

  get selectedIds(): string[] {
    return [...this.ids];
  }

  forget(id: string): void {
    if (this.ids.delete(id)) this.render();
  }

  clear(): void {
    this.ids.clear();
    this.render();
  }

  private render(): void {
    this.model.timeline.setSelection(this.ids);
    this.bar.update(this.ids.size, this.model.view.archived);
  }

  private async run(action: SelectionAction): Promise<void> {
    if (action === 'cancel') return this.clear();
    if (action === 'share') return this.share([...this.ids]);
    const field = action === 'favorite' || action === 'unfavorite' ? 'favorite' : 'archive';
    const on = action === 'favorite' || action === 'archive';
    const ids = [...this.ids];
    this.bar.busy(true);
    let failed = 0;
    // A few requests at a time: quick on a phone, gentle on a Raspberry Pi.
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          this.model.applyItem(await api.mark(id, field, on), { insert: false });
        } catch {
          failed++;
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    this.bar.busy(false);
    this.clear();
    this.model.refreshCounts();
    const done = ids.length - failed;
    const verb = { favorite: 'Added to favourites', unfavorite: 'Removed from favourites', archive: 'Archived', unarchive: 'Returned to the timeline' }[action];
    this.model.toasts.show(failed ? `${verb}: ${done}; ${plural(failed, 'item')} failed. Try again.` : `${verb}: ${plural(done, 'item')}.`);
  }

  /** Makes a link to the selected items that expires after SHARE_DAYS, and hands it on. */
  private async share(ids: string[]): Promise<void> {
    this.bar.busy(true);
    try {
      const link = await api.createShare(ids, new Date(Date.now() + SHARE_DAYS * DAY_MS).toISOString());
      keepLink(link.id, link.url);
      this.clear();
      await offerLink(link.url, `${plural(ids.length, 'photo')} from spis`, this.model.toasts);
    } catch (error) {
      this.model.toasts.show(`No link was made: ${(error as Error).message}`);
    } finally {
      this.bar.busy(false);
    }
  }
}

const SHARE_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

/**
 * The phone's share sheet where there is one; otherwise the clipboard. The link is shown
 * too, for a plain-HTTP address where browsers offer neither.
 */
async function offerLink(url: string, title: string, toasts: TimelineModel['toasts']): Promise<void> {
  if (typeof navigator.share === 'function') {
    try {
      await navigator.share({ title, url });
      return;
    } catch (error) {
      if ((error as Error).name === 'AbortError') return; // the user closed the sheet
    }
  }
  const copied = await navigator.clipboard?.writeText(url).then(() => true, () => false);
  toasts.show(`${copied ? 'Link copied' : 'Share link'} (valid ${SHARE_DAYS} days): ${url}`, { key: 'share-link', timeoutMs: 60_000 });
}

import { api } from '../lib/api.js';
import { plural } from '../lib/format.js';
import type { SelectionAction, SelectionBar } from '../ui/selection-bar.js';
import type { TimelineModel } from './context.js';

/** Multi-select (checkbox or long-press) and one action applied to every selected item. */
export class SelectionController {
  private readonly ids = new Set<string>();

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
    if (!this.ids.delete(id)) this.ids.add(id);
    this.render();
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
}

import type { ApiItem, ServerMessage } from '../../../server/shared/api-types.js';
import { api } from '../lib/api.js';
import { plural } from '../lib/format.js';
import type { LiveEventsClient } from '../lib/live-events.js';
import { FIRST_PAGE } from '../lib/page-loader.js';
import type { StatusLine } from '../ui/status-line.js';
import type { TimelineModel } from './context.js';

/**
 * Applies `/api/events` to the open page: new items slide into their month, marks changed on
 * another device show here, removed files disappear. After a reconnect the head of the
 * timeline is fetched again, since events sent while the socket was down are lost.
 */
export class LiveController {
  private added: ApiItem[] = [];
  private noticeTimer: number | undefined;

  constructor(
    private readonly model: TimelineModel,
    live: LiveEventsClient,
    status: StatusLine,
  ) {
    live.on('message', (message) => this.apply(message));
    live.on('open', ({ reconnected }) => {
      status.set({ liveDown: false });
      if (reconnected) void this.catchUp();
    });
    live.on('down', () => status.set({ liveDown: true }));
    window.addEventListener('online', () => live.retryNow());
  }

  apply(message: ServerMessage): void {
    switch (message.type) {
      case 'media.added':
        if (this.model.applyItem(message.item)) this.announce(message.item);
        this.model.refreshCounts();
        break;
      case 'media.updated':
        this.model.applyItem(message.item, { insert: true });
        break;
      case 'media.removed':
        this.model.removeItem(message.id);
        this.model.refreshCounts();
        break;
      case 'index.completed':
        if (this.model.loader.store.size === 0) this.model.refreshCounts(0);
        break;
      case 'hello':
      case 'index.progress':
        break;
    }
  }

  private async catchUp(): Promise<void> {
    try {
      const { body } = await api.page(this.model.view, null, FIRST_PAGE);
      for (const item of body.items) if (!this.model.loader.store.get(item.id) && this.model.applyItem(item)) this.announce(item);
      this.model.refreshCounts();
    } catch {
      // still offline: the next reconnect tries again
    }
  }

  /** One notice for a burst of arrivals ("12 new photos"), with a button to go to the newest. */
  private announce(item: ApiItem): void {
    this.added.push(item);
    window.clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => {
      const items = this.added;
      this.added = [];
      const videos = items.filter((i) => i.type === 'video').length;
      const what = videos === items.length ? plural(items.length, 'new video') : videos ? plural(items.length, 'new item') : plural(items.length, 'new photo');
      const first = items[0]!;
      this.model.toasts.show(items.length === 1 ? `New: ${first.name}` : what, {
        key: 'added',
        action: { label: 'Show', run: () => this.model.timeline.revealItem(first.id) },
      });
    }, 400);
  }
}

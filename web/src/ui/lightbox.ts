import type { ApiItem, ApiItemDetail } from '../../../server/shared/api-types.js';
import { h, icon, icons } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';
import { altText, takenLabel } from '../lib/format.js';
import { renditionSources } from '../lib/rendition.js';
import { thumbUrl } from '../lib/thumb-url.js';
import { InfoPanel } from './info-panel.js';
import { LiveMotion } from './live-motion.js';
import { StageGestures } from './stage-gestures.js';

interface LightboxEvents extends Record<string, unknown> {
  close: undefined;
  navigate: { delta: 1 | -1 };
  favorite: { id: string; on: boolean };
  archive: { id: string; on: boolean };
  details: { id: string };
  slideshow: { playing: boolean };
}

function button(label: string, path: string, cls = ''): HTMLButtonElement {
  return h(`button.icon-button${cls ? '.' + cls : ''}` as 'button', { type: 'button', 'aria-label': label, title: label }, icon(path));
}

/**
 * The full-screen viewer. Images show the `large` rendition (the small one, already cached,
 * stands in until it has loaded); videos stream from their playback URL with native controls,
 * or show their poster and "preparing video… 40 %" until the server's rendition is ready; a
 * Live Photo's motion plays over the still on hover or press-and-hold.
 */
export class Lightbox extends Emitter<LightboxEvents> {
  private readonly stage = h('div.lb-stage');
  private readonly title = h('div.lb-title');
  private readonly fav = button('Add to favourites', icons.heartOutline, 'lb-fav');
  private readonly archive = button('Archive', icons.archive, 'lb-archive');
  private readonly info = button('Details', icons.info, 'lb-info-button');
  private readonly play = button('Start slideshow', icons.play, 'lb-play');
  private readonly download = h('a.icon-button.lb-download', { 'aria-label': 'Download original', title: 'Download original' }, icon(icons.download)); // href and download come with the item
  private readonly prev = button('Previous', icons.prev, 'lb-prev');
  private readonly next = button('Next', icons.next, 'lb-next');
  private readonly close = button('Close', icons.close, 'lb-close');
  private readonly panel = new InfoPanel(h('aside.lb-info'));
  private readonly gestures: StageGestures;
  private readonly live = new LiveMotion(this.stage);
  private media: HTMLImageElement | HTMLVideoElement = h('img.lb-media');
  /** Over a video that cannot play yet: preparation progress or why it cannot play. */
  private readonly videoNote = h('div.lb-video-note', { role: 'status', 'aria-live': 'polite', hidden: true });
  private item: ApiItem | null = null;
  private returnFocus: HTMLElement | null = null;
  /** Settles once the media shown has loaded (or failed): the grid waits for it on a deep link. */
  settled: Promise<void> = Promise.resolve();

  constructor(private readonly root: HTMLElement) {
    super();
    this.stage.append(this.media, this.videoNote);
    const bar = h('div.lb-bar', {}, this.close, this.title, this.live.badge, this.info);
    const actions = h('div.lb-actions', {}, this.play, this.download, this.archive, this.fav);
    root.append(this.stage, bar, actions, this.prev, this.next, this.panel.root);
    this.gestures = new StageGestures(this.stage, this.media);
    this.gestures.on('swipe', ({ delta }) => this.emit('navigate', { delta }));
    this.gestures.on('dismiss', () => this.emit('close', undefined));
    this.gestures.on('zoom', ({ zoomed }) => root.classList.toggle('zoomed', zoomed));
    this.close.addEventListener('click', () => this.emit('close', undefined));
    this.prev.addEventListener('click', () => this.emit('navigate', { delta: -1 }));
    this.next.addEventListener('click', () => this.emit('navigate', { delta: 1 }));
    this.fav.addEventListener('click', () => this.item && this.emit('favorite', { id: this.item.id, on: !this.item.favorite }));
    this.archive.addEventListener('click', () => this.item && this.emit('archive', { id: this.item.id, on: !this.item.archived }));
    this.play.addEventListener('click', () => this.emit('slideshow', { playing: !root.classList.contains('playing') }));
    this.info.addEventListener('click', () => {
      this.panel.toggle();
      this.info.setAttribute('aria-expanded', String(this.panel.open));
      if (this.panel.open && this.item) this.emit('details', { id: this.item.id });
    });
    document.addEventListener('keydown', (event) => this.isOpen && this.onKey(event));
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  get currentId(): string | null {
    return this.isOpen ? (this.item?.id ?? null) : null;
  }

  get detailsOpen(): boolean {
    return this.panel.open;
  }

  show(item: ApiItem, neighbours: { prev: boolean; next: boolean }): void {
    if (!this.isOpen) {
      this.returnFocus = document.activeElement as HTMLElement | null;
      this.root.hidden = false;
      document.documentElement.classList.add('lightbox-open');
      this.close.focus();
    }
    const same = this.item?.id === item.id;
    this.item = item;
    if (!same) this.renderMedia(item);
    this.updateItem(item);
    this.prev.disabled = !neighbours.prev;
    this.next.disabled = !neighbours.next;
    if (this.panel.open && !same) {
      this.panel.loading();
      this.emit('details', { id: item.id });
    }
  }

  updateItem(item: ApiItem): void {
    if (this.item?.id !== item.id) return;
    this.item = item;
    this.title.replaceChildren(h('strong', {}, item.name), h('span', {}, takenLabel(item.takenAt)));
    this.fav.classList.toggle('on', item.favorite);
    this.fav.setAttribute('aria-pressed', String(item.favorite));
    this.fav.setAttribute('aria-label', item.favorite ? 'Remove from favourites' : 'Add to favourites');
    this.fav.replaceChildren(icon(item.favorite ? icons.heart : icons.heartOutline));
    this.archive.setAttribute('aria-label', item.archived ? 'Return to timeline' : 'Archive');
    this.archive.title = this.archive.getAttribute('aria-label')!;
    this.download.setAttribute('href', `/api/media/${item.id}/original`);
    this.download.setAttribute('download', item.name);
    if (item.type === 'video') this.updatePlayback(item);
  }

  /** Shows progress or the reason, and starts the video once its rendition is ready. */
  private updatePlayback(item: ApiItem): void {
    const playback = item.playback;
    const video = this.media instanceof HTMLVideoElement ? this.media : null;
    if (!video) return;
    if (!playback || (playback.ready && playback.url)) {
      this.videoNote.hidden = true;
      const url = playback?.url ?? `/api/media/${item.id}/original`;
      if (video.getAttribute('src') !== url) {
        const waited = video.hasAttribute('data-waiting');
        video.removeAttribute('data-waiting');
        video.src = url;
        // It was asked for a while ago: play as soon as it is there, as if it always was.
        if (waited) void video.play().catch(() => undefined);
      }
      return;
    }
    video.setAttribute('data-waiting', '');
    this.videoNote.hidden = false;
    this.videoNote.textContent = playback.error
      ? `This video cannot be played here (${playback.error}). Download it to watch it.`
      : `Preparing video… ${Math.round((playback.progress ?? 0) * 100)} %`;
  }

  showDetails(detail: ApiItemDetail): void {
    if (detail.id === this.item?.id) this.panel.show(detail);
  }

  detailsFailed(message: string): void {
    this.panel.failed(message);
  }

  setPlaying(playing: boolean): void {
    this.root.classList.toggle('playing', playing);
    this.play.setAttribute('aria-label', playing ? 'Stop slideshow' : 'Start slideshow');
    this.play.replaceChildren(icon(playing ? icons.pause : icons.play));
  }

  hide(): void {
    if (!this.isOpen) return;
    this.root.hidden = true;
    document.documentElement.classList.remove('lightbox-open');
    if (this.media instanceof HTMLVideoElement) this.media.pause();
    this.media.removeAttribute('src');
    this.live.show(null);
    this.item = null;
    this.setPlaying(false);
    this.returnFocus?.focus?.({ preventScroll: true });
  }

  private renderMedia(item: ApiItem): void {
    if (this.media instanceof HTMLVideoElement) this.media.pause();
    let media: HTMLImageElement | HTMLVideoElement;
    if (item.type === 'video') {
      media = h('video.lb-media', { controls: true, playsinline: true, preload: 'metadata', poster: thumbUrl(item.thumbs.large) });
      const playback = item.playback;
      // Not ready: asking for it moves it to the front of the server's queue.
      if (playback && !playback.ready && playback.url) void fetch(playback.url, { method: 'HEAD' }).catch(() => undefined);
    } else {
      // The browser picks small or large by viewport and pixel density; it is the picture the
      // visitor waits for, so it goes before anything else (the grid behind holds back).
      const img = h('img.lb-media', { alt: altText(item), draggable: 'false', fetchpriority: 'high' });
      const { srcset, sizes } = renditionSources(item, thumbUrl(item.thumbs.small), thumbUrl(item.thumbs.large));
      img.sizes = sizes;
      img.srcset = srcset;
      img.src = thumbUrl(item.thumbs.small);
      // The grid's copy stands in while the large one loads, when there is one already.
      if (document.querySelector(`.tile.loaded[data-id="${CSS.escape(item.id)}"]`)) img.style.backgroundImage = `url("${thumbUrl(item.thumbs.small)}")`;
      this.settled = img.decode().catch(() => undefined);
      media = img;
    }
    this.media.replaceWith(media);
    this.media = media;
    this.videoNote.hidden = true;
    this.gestures.zoomEnabled = item.type === 'image';
    this.root.classList.toggle('is-video', item.type === 'video');
    this.gestures.reset(media, item.width, item.height);
    this.live.show(item);
  }

  private onKey(event: KeyboardEvent): void {
    const inVideo = event.target instanceof HTMLVideoElement;
    if (event.key === 'Escape') {
      event.preventDefault();
      this.emit('close', undefined);
    } else if (event.key === 'ArrowRight' && !inVideo) this.emit('navigate', { delta: 1 });
    else if (event.key === 'ArrowLeft' && !inVideo) this.emit('navigate', { delta: -1 });
    else if ((event.key === '+' || event.key === '=') && this.gestures.zoomEnabled) this.gestures.zoomBy(1.5);
    else if (event.key === '-' && this.gestures.zoomEnabled) this.gestures.zoomBy(1 / 1.5);
    else if (event.key === 'Tab') this.trapFocus(event);
  }

  /** Keeps Tab inside the dialog while it is open. */
  private trapFocus(event: KeyboardEvent): void {
    const focusable = [...this.root.querySelectorAll<HTMLElement>('button:not([disabled]), a[href], video, [tabindex="0"]')].filter((el) => el.offsetParent !== null);
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }
}

import type { ApiItem } from '../../../server/shared/api-types.js';
import { h } from '../lib/dom.js';

/** A touch held this long plays the motion; a shorter touch is a tap or the start of a swipe. */
const HOLD_MS = 300;
/** A finger that moves this far is swiping, not holding. */
const HOLD_SLOP_PX = 10;

/**
 * The motion of a Live Photo in the lightbox: a muted inline clip laid over the still, played
 * while the pointer hovers the stage (mouse) or while a finger is held on it (touch), and
 * hidden again, back to the still, when that ends or the clip is over.
 */
export class LiveMotion {
  readonly badge = h('span.lb-live-badge', { 'aria-hidden': 'true' }, 'LIVE');
  private video: HTMLVideoElement | null = null;
  private holdTimer: number | undefined;
  private holdStart: { x: number; y: number } | null = null;

  constructor(private readonly stage: HTMLElement) {
    this.badge.hidden = true;
    stage.addEventListener('pointerenter', (e) => e.pointerType === 'mouse' && this.play());
    stage.addEventListener('pointerleave', (e) => e.pointerType === 'mouse' && this.stop());
    stage.addEventListener('pointerdown', (e) => {
      if (e.pointerType === 'mouse' || !this.video) return;
      this.holdStart = { x: e.clientX, y: e.clientY };
      window.clearTimeout(this.holdTimer);
      this.holdTimer = window.setTimeout(() => this.play(), HOLD_MS);
    });
    stage.addEventListener('pointermove', (e) => {
      if (
        this.holdStart &&
        Math.hypot(e.clientX - this.holdStart.x, e.clientY - this.holdStart.y) > HOLD_SLOP_PX
      )
        this.release();
    });
    for (const type of ['pointerup', 'pointercancel'] as const) {
      stage.addEventListener(type, (e) => e.pointerType !== 'mouse' && this.release());
    }
    // A held finger would otherwise open the browser's context menu over the photo.
    stage.addEventListener('contextmenu', (e) => this.video && e.preventDefault());
  }

  /** Shows the motion of `item`, if it has one; removes any previous item's clip. */
  show(item: ApiItem | null): void {
    this.release();
    this.video?.remove();
    this.video = null;
    this.stage.classList.remove('live-playing');
    const live = item?.type === 'image' ? item.livePhoto : null;
    this.badge.hidden = !live;
    if (!live) return;
    const video = h('video.lb-live', {
      muted: true,
      playsinline: true,
      preload: 'auto',
      'aria-hidden': 'true',
    });
    video.muted = true; // the attribute alone does not mute a clip created from script
    video.src = live.url;
    video.addEventListener('ended', () => this.stop());
    this.stage.append(video);
    this.video = video;
  }

  private play(): void {
    const video = this.video;
    if (!video) return;
    this.stage.classList.add('live-playing');
    video.currentTime = 0;
    video.play().catch(() => this.stop());
  }

  private stop(): void {
    this.stage.classList.remove('live-playing');
    this.video?.pause();
  }

  private release(): void {
    window.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    if (this.holdStart) this.stop();
    this.holdStart = null;
  }
}

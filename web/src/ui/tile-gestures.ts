import { Emitter } from '../lib/emitter.js';

interface TileGestureEvents extends Record<string, unknown> {
  activate: { id: string };
  toggle: { id: string };
  'long-press': { id: string };
}

const LONG_PRESS_MS = 450;
const MOVE_TOLERANCE = 10;

/**
 * Clicks and long-presses on thumbnails, delegated from the grid so tiles carry no handlers
 * of their own (they are created and dropped constantly while scrolling).
 */
export class TileGestures extends Emitter<TileGestureEvents> {
  private timer: number | undefined;
  private start: { x: number; y: number; id: string } | null = null;
  private suppressClick = false;

  constructor(root: HTMLElement) {
    super();
    root.addEventListener('click', (event) => this.onClick(event));
    root.addEventListener('pointerdown', (event) => this.onDown(event));
    root.addEventListener('pointermove', (event) => this.onMove(event), { passive: true });
    for (const name of ['pointerup', 'pointercancel', 'pointerleave'] as const) root.addEventListener(name, () => this.cancel());
    // A touch long-press would also open the browser's context menu over the link.
    root.addEventListener('contextmenu', (event) => {
      if (this.suppressClick || this.start) event.preventDefault();
    });
  }

  private onClick(event: MouseEvent): void {
    const target = event.target as Element;
    const check = target.closest<HTMLElement>('.check');
    const link = target.closest<HTMLElement>('.tile-link');
    if (this.suppressClick) {
      this.suppressClick = false;
      event.preventDefault();
      return;
    }
    if (check?.dataset.id) {
      event.preventDefault();
      this.emit('toggle', { id: check.dataset.id });
    } else if (link?.dataset.id && !event.metaKey && !event.ctrlKey && !event.shiftKey && event.button === 0) {
      event.preventDefault();
      this.emit('activate', { id: link.dataset.id });
    }
  }

  private onDown(event: PointerEvent): void {
    const link = (event.target as Element).closest<HTMLElement>('.tile-link');
    if (!link?.dataset.id || event.button !== 0) return;
    this.suppressClick = false;
    this.start = { x: event.clientX, y: event.clientY, id: link.dataset.id };
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      if (!this.start) return;
      this.suppressClick = true;
      this.emit('long-press', { id: this.start.id });
      this.start = null;
    }, LONG_PRESS_MS);
  }

  private onMove(event: PointerEvent): void {
    if (this.start && Math.hypot(event.clientX - this.start.x, event.clientY - this.start.y) > MOVE_TOLERANCE) this.cancel();
  }

  private cancel(): void {
    window.clearTimeout(this.timer);
    this.start = null;
  }
}

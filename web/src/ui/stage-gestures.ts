import { Emitter } from '../lib/emitter.js';
import { clampPan, fitFrame, identity, isZoomed, toggleZoom, toTransform, zoomAt, type Frame, type ZoomState } from '../lib/zoom-pan.js';

interface StageEvents extends Record<string, unknown> {
  swipe: { delta: 1 | -1 };
  dismiss: undefined;
  zoom: { zoomed: boolean };
}

interface Pointer {
  x: number;
  y: number;
}

type Drag =
  | { mode: 'undecided' | 'pan' | 'swipe' | 'dismiss'; x: number; y: number; t: number; start: ZoomState }
  | { mode: 'pinch'; distance: number; mid: Pointer; start: ZoomState };

const DOUBLE_TAP_MS = 300;

/**
 * Touch, pen and mouse gestures on the lightbox stage: pinch and double-tap zoom with pan,
 * horizontal swipe to the neighbours, swipe down to close, wheel zoom on desktops.
 * Only `transform` changes while a finger moves, so the browser composites on the GPU.
 */
export class StageGestures extends Emitter<StageEvents> {
  private readonly pointers = new Map<number, Pointer>();
  private state: ZoomState = identity;
  private drag: Drag | null = null;
  private lastTap: { x: number; y: number; t: number } | null = null;
  private content = { width: 0, height: 0 };
  zoomEnabled = true;

  constructor(
    private readonly stage: HTMLElement,
    private target: HTMLElement,
  ) {
    super();
    stage.addEventListener('pointerdown', (event) => this.onDown(event));
    stage.addEventListener('pointermove', (event) => this.onMove(event));
    stage.addEventListener('pointerup', (event) => this.onUp(event));
    stage.addEventListener('pointercancel', (event) => this.onUp(event));
    stage.addEventListener('wheel', (event) => this.onWheel(event), { passive: false });
  }

  /** A new picture: forget zoom, remember its size for pan limits. */
  reset(target: HTMLElement, width: number | null, height: number | null): void {
    this.target = target;
    this.content = { width: width ?? 0, height: height ?? 0 };
    this.pointers.clear();
    this.drag = null;
    this.set(identity, false);
  }

  zoomBy(factor: number): void {
    this.set(clampPan(zoomAt(this.state, this.state.scale * factor, 0, 0), this.frame()), true);
  }

  get zoomed(): boolean {
    return isZoomed(this.state);
  }

  private frame(): Frame {
    return fitFrame(this.stage.clientWidth, this.stage.clientHeight, this.content.width, this.content.height);
  }

  private local(event: PointerEvent | WheelEvent): Pointer {
    const rect = this.stage.getBoundingClientRect();
    return { x: event.clientX - rect.left - rect.width / 2, y: event.clientY - rect.top - rect.height / 2 };
  }

  private set(state: ZoomState, animate: boolean, extra = ''): void {
    const wasZoomed = isZoomed(this.state);
    this.state = state;
    this.target.classList.toggle('animating', animate);
    this.target.style.transform = extra || toTransform(state);
    if (wasZoomed !== isZoomed(state)) this.emit('zoom', { zoomed: isZoomed(state) });
  }

  private onDown(event: PointerEvent): void {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    // Leave the native video controls along the bottom edge alone.
    if (!this.zoomEnabled && this.stage.getBoundingClientRect().bottom - event.clientY < 72) return;
    this.stage.setPointerCapture(event.pointerId);
    this.pointers.set(event.pointerId, this.local(event));
    const [a, b] = [...this.pointers.values()];
    if (a && b && this.zoomEnabled) {
      this.drag = { mode: 'pinch', distance: Math.hypot(a.x - b.x, a.y - b.y), mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }, start: this.state };
    } else if (a) {
      this.drag = { mode: this.zoomed ? 'pan' : 'undecided', x: a.x, y: a.y, t: event.timeStamp, start: this.state };
    }
  }

  private onMove(event: PointerEvent): void {
    if (!this.pointers.has(event.pointerId) || !this.drag) return;
    this.pointers.set(event.pointerId, this.local(event));
    const [a, b] = [...this.pointers.values()];
    const drag = this.drag;
    if (drag.mode === 'pinch' && a && b) {
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      const scaled = zoomAt(drag.start, drag.start.scale * (Math.hypot(a.x - b.x, a.y - b.y) / drag.distance), drag.mid.x, drag.mid.y);
      this.set({ ...scaled, x: scaled.x + mid.x - drag.mid.x, y: scaled.y + mid.y - drag.mid.y }, false);
      return;
    }
    if (drag.mode === 'pinch' || !a) return;
    const dx = a.x - drag.x;
    const dy = a.y - drag.y;
    if (drag.mode === 'undecided' && Math.hypot(dx, dy) > 8) {
      drag.mode = Math.abs(dx) > Math.abs(dy) ? 'swipe' : dy > 0 ? 'dismiss' : 'undecided';
    }
    if (drag.mode === 'pan') this.set(clampPan({ ...drag.start, x: drag.start.x + dx, y: drag.start.y + dy }, this.frame()), false);
    else if (drag.mode === 'swipe') this.set(this.state, false, `translate3d(${dx.toFixed(1)}px, 0, 0)`);
    else if (drag.mode === 'dismiss') {
      this.set(this.state, false, `translate3d(0, ${dy.toFixed(1)}px, 0) scale(${Math.max(0.7, 1 - dy / 1200).toFixed(3)})`);
      this.stage.style.setProperty('--dismiss', String(Math.min(1, dy / 300)));
    }
  }

  private onUp(event: PointerEvent): void {
    if (!this.pointers.has(event.pointerId)) return;
    const last = this.pointers.get(event.pointerId)!;
    this.pointers.delete(event.pointerId);
    const drag = this.drag;
    this.drag = null;
    this.stage.style.removeProperty('--dismiss');
    if (!drag) return;
    if (drag.mode === 'pinch') {
      const rest = [...this.pointers.values()][0];
      this.set(this.state.scale <= 1.02 ? identity : clampPan(this.state, this.frame()), true);
      if (rest) this.drag = { mode: 'pan', x: rest.x, y: rest.y, t: event.timeStamp, start: this.state };
      return;
    }
    const dx = last.x - drag.x;
    const dy = last.y - drag.y;
    const speed = Math.hypot(dx, dy) / Math.max(1, event.timeStamp - drag.t);
    if (drag.mode === 'swipe' && (Math.abs(dx) > this.stage.clientWidth * 0.18 || (speed > 0.5 && Math.abs(dx) > 30))) {
      this.emit('swipe', { delta: dx < 0 ? 1 : -1 });
    } else if (drag.mode === 'dismiss' && (dy > 120 || (speed > 0.5 && dy > 40))) {
      this.emit('dismiss', undefined);
    } else if ((drag.mode === 'undecided' || drag.mode === 'pan') && Math.hypot(dx, dy) < 10 && event.type === 'pointerup') {
      this.onTap(last, event.timeStamp);
    } else {
      this.set(this.state, true);
    }
  }

  private onTap(point: Pointer, t: number): void {
    const previous = this.lastTap;
    if (previous && t - previous.t < DOUBLE_TAP_MS && Math.hypot(point.x - previous.x, point.y - previous.y) < 30 && this.zoomEnabled) {
      this.lastTap = null;
      this.set(toggleZoom(this.state, point.x, point.y, this.frame()), true);
    } else {
      this.lastTap = { ...point, t };
    }
  }

  private onWheel(event: WheelEvent): void {
    if (!this.zoomEnabled) return;
    event.preventDefault();
    const p = this.local(event);
    const next = zoomAt(this.state, this.state.scale * Math.exp(-event.deltaY * 0.002), p.x, p.y);
    this.set(clampPan(next, this.frame()), false);
  }
}

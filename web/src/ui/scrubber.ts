import type { TimelineBucket } from '../../../server/shared/api-types.js';
import { h } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';
import { monthLabel } from '../lib/format.js';

interface ScrubberEvents extends Record<string, unknown> {
  /** While dragging: a month under the finger (move there if it is loaded). */
  scrub: { key: string };
  /** Released on, or chose, a month: go there, loading pages as needed. */
  jump: { key: string };
}

interface Mark {
  key: string;
  label: string;
  /** Position along the track, 0–1, by item count (so busy months get more room). */
  at: number;
}

const keyOf = (b: TimelineBucket) => `${b.year}-${String(b.month).padStart(2, '0')}`;

/** The year/month scrubber along the right edge, fed by `/api/timeline`. */
export class Scrubber extends Emitter<ScrubberEvents> {
  private marks: Mark[] = [];
  private readonly track = h('div.track');
  private readonly thumb = h('div.scrub-thumb', { 'aria-hidden': 'true' });
  private readonly bubble = h('div.bubble', { 'aria-hidden': 'true', hidden: true });
  private readonly years = h('ol.years');
  private dragging = false;
  private lastKey = '';

  constructor(private readonly root: HTMLElement) {
    super();
    this.track.append(this.thumb, this.bubble);
    root.append(this.track, this.years);
    root.hidden = true;
    this.track.addEventListener('pointerdown', (event) => this.onDown(event));
    this.track.addEventListener('pointermove', (event) => this.dragging && this.pick(event.clientY, 'scrub'));
    this.track.addEventListener('pointerup', (event) => this.onUp(event));
    this.track.addEventListener('pointercancel', () => this.endDrag());
  }

  setBuckets(buckets: readonly TimelineBucket[]): void {
    const total = buckets.reduce((sum, b) => sum + b.count, 0);
    let before = 0;
    this.marks = buckets.map((b) => {
      const mark = { key: keyOf(b), label: monthLabel(b.year, b.month), at: total ? before / total : 0 };
      before += b.count;
      return mark;
    });
    this.root.hidden = buckets.length < 2;
    this.renderYears(buckets);
  }

  /** Moves the thumb to the month now at the top of the screen. */
  setCurrent(key: string): void {
    const mark = this.marks.find((m) => m.key === key);
    if (mark) this.thumb.style.transform = `translateY(${(mark.at * this.track.clientHeight).toFixed(0)}px)`;
  }

  private renderYears(buckets: readonly TimelineBucket[]): void {
    const items: HTMLElement[] = [];
    let lastAt = -1;
    const seen = new Set<number>();
    for (const [i, b] of buckets.entries()) {
      if (seen.has(b.year)) continue;
      seen.add(b.year);
      const at = this.marks[i]!.at;
      const button = h('button.year', { type: 'button', 'data-key': keyOf(b), 'aria-label': `Jump to ${monthLabel(b.year, b.month)}` }, String(b.year));
      button.addEventListener('click', () => this.emit('jump', { key: keyOf(b) }));
      const li = h('li', {}, button);
      li.style.top = `${(at * 100).toFixed(2)}%`;
      // Labels closer than ~4 % of the track would overlap; they stay reachable by dragging.
      if (lastAt >= 0 && at - lastAt < 0.04) li.classList.add('crowded');
      else lastAt = at;
      items.push(li);
    }
    this.years.replaceChildren(...items);
  }

  private markAt(clientY: number): Mark | undefined {
    const rect = this.track.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientY - rect.top) / Math.max(1, rect.height)));
    let found = this.marks[0];
    for (const mark of this.marks) {
      if (mark.at <= f) found = mark;
      else break;
    }
    return found;
  }

  private pick(clientY: number, event: 'scrub' | 'jump'): void {
    const mark = this.markAt(clientY);
    if (!mark) return;
    const rect = this.track.getBoundingClientRect();
    this.bubble.textContent = mark.label;
    this.bubble.style.transform = `translateY(${Math.max(0, clientY - rect.top - 16).toFixed(0)}px)`;
    if (event === 'jump' || mark.key !== this.lastKey) this.emit(event, { key: mark.key });
    this.lastKey = mark.key;
  }

  private onDown(event: PointerEvent): void {
    this.dragging = true;
    this.track.setPointerCapture(event.pointerId);
    this.root.classList.add('active');
    this.bubble.hidden = false;
    this.pick(event.clientY, 'scrub');
  }

  private onUp(event: PointerEvent): void {
    if (!this.dragging) return;
    this.pick(event.clientY, 'jump');
    this.endDrag();
  }

  private endDrag(): void {
    this.dragging = false;
    this.lastKey = '';
    this.root.classList.remove('active');
    this.bubble.hidden = true;
  }
}

import { h, icon, icons } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';

export type SelectionAction = 'favorite' | 'unfavorite' | 'archive' | 'unarchive' | 'share' | 'cancel';

interface SelectionEvents extends Record<string, unknown> {
  action: { action: SelectionAction };
}

/** Appears while items are selected and applies one action to all of them. */
export class SelectionBar extends Emitter<SelectionEvents> {
  private readonly count = h('span.sel-count', { role: 'status' });
  private readonly archive = h('button.text-button', { type: 'button' });

  constructor(private readonly root: HTMLElement) {
    super();
    const make = (label: string, action: SelectionAction, path?: string) => {
      const b = h('button.text-button', { type: 'button', 'aria-label': label, title: label }, ...(path ? [icon(path)] : []), h('span.label', {}, label));
      b.addEventListener('click', () => this.emit('action', { action }));
      return b;
    };
    this.archive.addEventListener('click', () => this.emit('action', { action: this.archive.dataset.action as SelectionAction }));
    root.setAttribute('role', 'toolbar');
    root.setAttribute('aria-label', 'Selected items');
    root.append(make('Cancel', 'cancel', icons.close), this.count, make('Favourite', 'favorite', icons.heart), make('Unfavourite', 'unfavorite', icons.heartOutline), this.archive, make('Share', 'share', icons.share));
  }

  update(size: number, archivedView: boolean): void {
    this.root.hidden = size === 0;
    document.documentElement.classList.toggle('has-selection', size > 0);
    this.count.textContent = `${size} selected`;
    this.archive.dataset.action = archivedView ? 'unarchive' : 'archive';
    const label = archivedView ? 'Unarchive' : 'Archive';
    this.archive.setAttribute('aria-label', label);
    this.archive.title = label;
    this.archive.replaceChildren(icon(icons.archive), h('span.label', {}, label));
  }

  busy(on: boolean): void {
    for (const b of this.root.querySelectorAll('button')) b.disabled = on;
  }
}

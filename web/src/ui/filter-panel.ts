import type { FolderNode, TimelineBucket } from '../../../server/shared/api-types.js';
import { h } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';
import { monthLabel } from '../lib/format.js';
import { defaultView, type ViewState } from '../lib/view-state.js';

interface PanelEvents extends Record<string, unknown> {
  change: Partial<ViewState>;
  done: undefined;
}

let uid = 0;
function labelled(text: string, control: HTMLElement): HTMLElement {
  control.id ||= `f${++uid}`;
  return h('div.field', {}, h('label', { for: control.id }, text), control);
}

function option(value: string, text: string): HTMLOptionElement {
  return h('option', { value }, text);
}

function ensureOption(select: HTMLSelectElement, value: string): void {
  if (![...select.options].some((o) => o.value === value)) select.append(option(value, value));
  select.value = value;
}

/**
 * The filter panel's fields, built into `form` when the panel first opens: several dozen
 * elements nobody sees on the first screen, which a phone would otherwise build before it.
 */
export class FilterPanel extends Emitter<PanelEvents> {
  private readonly type = h('select', {}, option('', 'Photos and videos'), option('image', 'Photos'), option('video', 'Videos'));
  private readonly year = h('select', {}, option('', 'Any year'));
  private readonly month = h('select', {}, option('', 'Any month'));
  private readonly folder = h('select', {}, option('', 'All folders'));
  private readonly order = h('select', {}, option('desc', 'Newest first'), option('asc', 'Oldest first'));
  private readonly favorite = h('input', { type: 'checkbox' });
  private readonly archived = h('input', { type: 'checkbox' });

  constructor(private readonly form: HTMLFormElement) {
    super();
    for (let m = 1; m <= 12; m++) this.month.append(option(String(m), monthLabel(2000, m).replace(' 2000', '')));
    const clear = h('button.text-button', { type: 'button' }, 'Clear filters');
    const done = h('button.primary', { type: 'submit' }, 'Done');
    form.append(
      h('label.check-field', {}, this.favorite, ' Favourites only'),
      labelled('Show', this.type),
      h('div.field-pair', {}, labelled('Year', this.year), labelled('Month', this.month)),
      labelled('Folder', this.folder),
      labelled('Order', this.order),
      h('label.check-field', {}, this.archived, ' Archived items instead of the timeline'),
      h('div.panel-actions', {}, clear, h('a.text-button.shares-link', { href: '/shares' }, 'Share links'), done),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.emit('done', undefined);
    });
    form.addEventListener('change', () => this.emit('change', this.read()));
    clear.addEventListener('click', () => this.emit('change', { ...defaultView, order: this.order.value === 'asc' ? 'asc' : 'desc' }));
  }

  setView(view: ViewState): void {
    this.favorite.checked = view.favorite;
    this.archived.checked = view.archived;
    this.type.value = view.type ?? '';
    ensureOption(this.year, view.year === null ? '' : String(view.year));
    this.month.value = view.month === null ? '' : String(view.month);
    this.month.disabled = view.year === null;
    ensureOption(this.folder, view.folder);
    this.order.value = view.order;
  }

  setYears(buckets: readonly TimelineBucket[]): void {
    const current = this.year.value;
    const years = [...new Set(buckets.map((b) => b.year))].sort((a, b) => b - a);
    this.year.replaceChildren(option('', 'Any year'), ...years.map((y) => option(String(y), String(y))));
    ensureOption(this.year, current);
  }

  setFolders(tree: FolderNode): void {
    const current = this.folder.value;
    const options: HTMLOptionElement[] = [option('', `All folders (${tree.count})`)];
    const visit = (node: FolderNode, depth: number) => {
      for (const child of node.children) {
        options.push(option(child.path, `${'\u2003'.repeat(depth)}${child.name} (${child.count})`));
        visit(child, depth + 1);
      }
    };
    visit(tree, 0);
    this.folder.replaceChildren(...options);
    ensureOption(this.folder, current);
  }

  focusFirst(): void {
    (this.form.querySelector('input, select') as HTMLElement | null)?.focus();
  }

  private read(): Partial<ViewState> {
    const year = this.year.value ? Number(this.year.value) : null;
    return {
      favorite: this.favorite.checked,
      archived: this.archived.checked,
      type: this.type.value === 'image' || this.type.value === 'video' ? this.type.value : null,
      year,
      month: year !== null && this.month.value ? Number(this.month.value) : null,
      folder: this.folder.value,
      order: this.order.value === 'asc' ? 'asc' : 'desc',
    };
  }
}

import type { FolderNode, TimelineBucket } from '../../../server/shared/api-types.js';
import { h, icon, icons } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';
import { monthLabel } from '../lib/format.js';
import { defaultView, filterParams, type ViewState } from '../lib/view-state.js';

interface FilterEvents extends Record<string, unknown> {
  change: Partial<ViewState>;
}

let uid = 0;
function labelled(text: string, control: HTMLElement): HTMLElement {
  control.id ||= `f${++uid}`;
  return h('div.field', {}, h('label', { for: control.id }, text), control);
}

function option(value: string, text: string): HTMLOptionElement {
  return h('option', { value }, text);
}

/** The top bar: title, search, a favourites shortcut and the filter panel. */
export class FilterBar extends Emitter<FilterEvents> {
  private readonly search = h('input.search', { type: 'search', placeholder: 'Search names and folders', 'aria-label': 'Search by file name or folder', enterkeyhint: 'search', autocomplete: 'off' });
  private readonly favButton = h('button.icon-button.fav-toggle', { type: 'button', 'aria-pressed': 'false', title: 'Favourites only', 'aria-label': 'Favourites only' }, icon(icons.heartOutline));
  private readonly panelButton = h('button.icon-button.filter-toggle', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'filter-panel', title: 'Filters', 'aria-label': 'Filters' }, icon(icons.filter), h('span.count', { hidden: true }));
  private readonly panel = h('form.filter-panel', { id: 'filter-panel', hidden: true, 'aria-label': 'Filters' });
  private readonly type = h('select', {}, option('', 'Photos and videos'), option('image', 'Photos'), option('video', 'Videos'));
  private readonly year = h('select', {}, option('', 'Any year'));
  private readonly month = h('select', {}, option('', 'Any month'));
  private readonly folder = h('select', {}, option('', 'All folders'));
  private readonly order = h('select', {}, option('desc', 'Newest first'), option('asc', 'Oldest first'));
  private readonly favorite = h('input', { type: 'checkbox' });
  private readonly archived = h('input', { type: 'checkbox' });
  private searchTimer: number | undefined;

  constructor(root: HTMLElement) {
    super();
    for (let m = 1; m <= 12; m++) this.month.append(option(String(m), monthLabel(2000, m).replace(' 2000', '')));
    const clear = h('button.text-button', { type: 'button' }, 'Clear filters');
    const done = h('button.primary', { type: 'submit' }, 'Done');
    this.panel.append(
      h('label.check-field', {}, this.favorite, ' Favourites only'),
      labelled('Show', this.type),
      h('div.field-pair', {}, labelled('Year', this.year), labelled('Month', this.month)),
      labelled('Folder', this.folder),
      labelled('Order', this.order),
      h('label.check-field', {}, this.archived, ' Archived items instead of the timeline'),
      h('div.panel-actions', {}, clear, h('a.text-button.shares-link', { href: '/shares' }, 'Share links'), done),
    );
    // The shell already shows the name (its first paint); it stays the first item.
    root.append(root.querySelector('.brand') ?? h('h1.brand', {}, 'spis'), h('div.search-wrap', {}, icon(icons.search), this.search), this.favButton, this.panelButton, this.panel);

    this.search.addEventListener('input', () => {
      window.clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(() => {
        this.searchTimer = undefined;
        this.emit('change', { q: this.search.value.trim() });
      }, 300);
    });
    this.search.addEventListener('keydown', (event) => event.key === 'Enter' && this.search.blur());
    this.favButton.addEventListener('click', () => this.emit('change', { favorite: this.favButton.getAttribute('aria-pressed') !== 'true' }));
    this.panelButton.addEventListener('click', () => this.togglePanel());
    this.panel.addEventListener('submit', (event) => {
      event.preventDefault();
      this.togglePanel(false);
    });
    this.panel.addEventListener('change', () => this.emit('change', this.readPanel()));
    clear.addEventListener('click', () => this.emit('change', { ...defaultView, order: this.order.value === 'asc' ? 'asc' : 'desc' }));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.panel.hidden) this.togglePanel(false);
    });
  }

  setView(view: ViewState): void {
    // Not while a search is still being typed (its debounce pending); always on back/forward.
    if (this.searchTimer === undefined && this.search.value.trim() !== view.q) this.search.value = view.q;
    this.favButton.setAttribute('aria-pressed', String(view.favorite));
    this.favButton.replaceChildren(icon(view.favorite ? icons.heart : icons.heartOutline));
    this.favorite.checked = view.favorite;
    this.archived.checked = view.archived;
    this.type.value = view.type ?? '';
    this.ensureOption(this.year, view.year === null ? '' : String(view.year));
    this.month.value = view.month === null ? '' : String(view.month);
    this.month.disabled = view.year === null;
    this.ensureOption(this.folder, view.folder);
    this.order.value = view.order;
    const active = [...filterParams({ ...view, q: '' }).keys()].filter((k) => k !== 'month').length;
    const badge = this.panelButton.querySelector('.count') as HTMLElement;
    badge.textContent = String(active);
    badge.hidden = active === 0;
  }

  setYears(buckets: readonly TimelineBucket[]): void {
    const current = this.year.value;
    const years = [...new Set(buckets.map((b) => b.year))].sort((a, b) => b - a);
    this.year.replaceChildren(option('', 'Any year'), ...years.map((y) => option(String(y), String(y))));
    this.ensureOption(this.year, current);
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
    this.ensureOption(this.folder, current);
  }

  private ensureOption(select: HTMLSelectElement, value: string): void {
    if (![...select.options].some((o) => o.value === value)) select.append(option(value, value));
    select.value = value;
  }

  private readPanel(): Partial<ViewState> {
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

  private togglePanel(open = this.panel.hidden): void {
    this.panel.hidden = !open;
    this.panelButton.setAttribute('aria-expanded', String(open));
    if (open) (this.panel.querySelector('input, select') as HTMLElement | null)?.focus();
    else this.panelButton.focus();
  }
}

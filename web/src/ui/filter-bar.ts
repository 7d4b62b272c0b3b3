import type { FolderNode, TimelineBucket } from '../../../server/shared/api-types.js';
import { h, icon, icons } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';
import { filterParams, type ViewState } from '../lib/view-state.js';
import { FilterPanel } from './filter-panel.js';

interface FilterEvents extends Record<string, unknown> {
  change: Partial<ViewState>;
  /** The panel opened for the first time: its folder menu wants the folder list. */
  'need-folders': undefined;
}

/** The top bar: title, search, a favourites shortcut and the filter panel. */
export class FilterBar extends Emitter<FilterEvents> {
  private readonly search = h('input.search', { type: 'search', placeholder: 'Search names and folders', 'aria-label': 'Search by file name or folder', enterkeyhint: 'search', autocomplete: 'off' });
  private readonly favButton = h('button.icon-button.fav-toggle', { type: 'button', 'aria-pressed': 'false', title: 'Favourites only', 'aria-label': 'Favourites only' }, icon(icons.heartOutline));
  private readonly panelButton = h('button.icon-button.filter-toggle', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'filter-panel', title: 'Filters', 'aria-label': 'Filters' }, icon(icons.filter), h('span.count', { hidden: true }));
  private readonly panel = h('form.filter-panel', { id: 'filter-panel', hidden: true, 'aria-label': 'Filters' });
  /** Built on first opening; until then what it will show is kept here. */
  private fields: FilterPanel | null = null;
  private view: ViewState | null = null;
  private years: readonly TimelineBucket[] | null = null;
  private folders: FolderNode | null = null;
  private searchTimer: number | undefined;

  constructor(root: HTMLElement) {
    super();
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
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.panel.hidden) this.togglePanel(false);
    });
  }

  setView(view: ViewState): void {
    // Not while a search is still being typed (its debounce pending); always on back/forward.
    if (this.searchTimer === undefined && this.search.value.trim() !== view.q) this.search.value = view.q;
    this.favButton.setAttribute('aria-pressed', String(view.favorite));
    this.favButton.replaceChildren(icon(view.favorite ? icons.heart : icons.heartOutline));
    this.view = view;
    this.fields?.setView(view);
    const active = [...filterParams({ ...view, q: '' }).keys()].filter((k) => k !== 'month').length;
    const badge = this.panelButton.querySelector('.count') as HTMLElement;
    badge.textContent = String(active);
    badge.hidden = active === 0;
  }

  setYears(buckets: readonly TimelineBucket[]): void {
    this.years = buckets;
    this.fields?.setYears(buckets);
  }

  setFolders(tree: FolderNode): void {
    this.folders = tree;
    this.fields?.setFolders(tree);
  }

  private panelFields(): FilterPanel {
    if (this.fields) return this.fields;
    const fields = new FilterPanel(this.panel);
    if (this.years) fields.setYears(this.years);
    if (this.folders) fields.setFolders(this.folders);
    if (this.view) fields.setView(this.view);
    fields.on('change', (change) => this.emit('change', change));
    fields.on('done', () => this.togglePanel(false));
    this.fields = fields;
    if (!this.folders) this.emit('need-folders', undefined);
    return fields;
  }

  private togglePanel(open = this.panel.hidden): void {
    this.panel.hidden = !open;
    this.panelButton.setAttribute('aria-expanded', String(open));
    if (open) this.panelFields().focusFirst();
    else this.panelButton.focus();
  }
}

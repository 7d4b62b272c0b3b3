import { h } from '../lib/dom.js';
import { isFiltered, type ViewState } from '../lib/view-state.js';

/** Messages shown in place of the grid: each says what is happening and what to do. */
export function loadingState(): HTMLElement {
  return h('div.state-card.loading', { role: 'status' }, h('div.spinner', { 'aria-hidden': 'true' }), h('p', {}, 'Loading your photos…'));
}

export function emptyState(view: ViewState, clearFilters: () => void): HTMLElement {
  if (view.archived && !isFilteredBeyondArchive(view)) {
    return card('Nothing archived', 'Items you archive are hidden from the timeline and kept here. Archiving never deletes a file.', 'Back to the timeline', clearFilters);
  }
  if (isFiltered(view)) {
    return card('Nothing matches these filters', 'Try another search, month or folder, or clear the filters to see everything.', 'Clear filters', clearFilters);
  }
  return card(
    'No photos yet',
    'Put photos and videos into the media folder this spis server watches (the folder given with --media, "./media" by default). They appear here on their own, within seconds, without reloading.',
  );
}

export function errorState(message: string, retry: () => void): HTMLElement {
  return card('Photos could not be loaded', `${message} Check that the spis server is running, then try again.`, 'Try again', retry);
}

function isFilteredBeyondArchive(view: ViewState): boolean {
  return isFiltered({ ...view, archived: false });
}

function card(title: string, text: string, action?: string, run?: () => void): HTMLElement {
  const el = h('div.state-card', { role: 'status' }, h('h2', {}, title), h('p', {}, text));
  if (action && run) {
    const button = h('button.primary', { type: 'button' }, action);
    button.addEventListener('click', run);
    el.append(button);
  }
  return el;
}

import { h } from '../lib/dom.js';

/**
 * The connection indicator under the top bar: offline (with the saved timeline shown),
 * or reconnecting to live updates. Hidden while everything is fine.
 */
export class StatusLine {
  private offline = !navigator.onLine;
  private servedFromCache = false;
  private liveDown = false;

  constructor(private readonly root: HTMLElement) {
    window.addEventListener('online', () => this.set({ offline: false }));
    window.addEventListener('offline', () => this.set({ offline: true }));
    this.render();
  }

  set(change: { offline?: boolean; servedFromCache?: boolean; liveDown?: boolean }): void {
    if (change.offline !== undefined) this.offline = change.offline;
    if (change.servedFromCache !== undefined) this.servedFromCache = change.servedFromCache;
    if (change.liveDown !== undefined) this.liveDown = change.liveDown;
    this.render();
  }

  get isOffline(): boolean {
    return this.offline || this.servedFromCache;
  }

  private render(): void {
    let text = '';
    if (this.offline || this.servedFromCache) text = 'Offline: showing photos saved on this device';
    else if (this.liveDown) text = 'Reconnecting to live updates…';
    this.root.replaceChildren(...(text ? [h('span', {}, text)] : []));
    this.root.classList.toggle('offline', this.offline || this.servedFromCache);
    this.root.hidden = text === '';
    document.documentElement.classList.toggle('is-offline', this.offline || this.servedFromCache);
    document.documentElement.classList.toggle('has-status', text !== '');
  }
}

import { h } from '../lib/dom.js';

export interface ToastOptions {
  action?: { label: string; run: () => void };
  timeoutMs?: number;
  /** A toast with the same key replaces the previous one (e.g. "3 new photos"). */
  key?: string;
}

/** Short notices at the bottom of the screen, announced to screen readers. */
export class Toasts {
  private readonly byKey = new Map<string, HTMLElement>();

  constructor(private readonly root: HTMLElement) {}

  show(message: string, options: ToastOptions = {}): void {
    if (options.key) this.byKey.get(options.key)?.remove();
    const toast = h('div.toast', {}, h('span', {}, message));
    if (options.action) {
      const { label, run } = options.action;
      const button = h('button.text-button', { type: 'button' }, label);
      button.addEventListener('click', () => {
        toast.remove();
        run();
      });
      toast.append(button);
    }
    this.root.append(toast);
    if (options.key) this.byKey.set(options.key, toast);
    window.setTimeout(() => {
      toast.remove();
      if (options.key && this.byKey.get(options.key) === toast) this.byKey.delete(options.key);
    }, options.timeoutMs ?? 5000);
  }
}

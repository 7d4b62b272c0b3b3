import type { ApiItem } from '../../../server/shared/api-types.js';
import { h, icon } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';
import { postFile, uploadFile, type UploadHandle } from '../lib/uploader.js';

interface UploadEvents extends Record<string, unknown> {
  /** A file landed (or was already there): the item to show. */
  uploaded: { item: ApiItem; duplicate: boolean };
}

const UPLOAD_ICON = 'M9 16h6v-6h4l-7-7-7 7h4zm-4 2h14v2H5z';
/** Phones share a few files at once; more in parallel only splits the same uplink. */
const PARALLEL = 2;

interface Row {
  file: File;
  el: HTMLElement;
  bar: HTMLProgressElement;
  state: HTMLElement;
  sent: number;
  status: 'waiting' | 'sending' | 'done' | 'failed';
  handle: UploadHandle | null;
}

/**
 * The upload button (the phone's picker, several files) and a panel with one row per file:
 * its progress, a clear message when the server refused it, and Retry; a total on top.
 */
export class UploadPanel extends Emitter<UploadEvents> {
  readonly button = h(
    'button.icon-button.upload-button',
    { type: 'button', title: 'Upload photos and videos', 'aria-label': 'Upload photos and videos' },
    icon(UPLOAD_ICON),
  );
  private readonly input = h('input.upload-input', {
    type: 'file',
    multiple: true,
    accept: 'image/*,video/*',
    hidden: true,
    'aria-hidden': 'true',
    tabindex: '-1',
  });
  private readonly panel = h('section.upload-panel', {
    hidden: true,
    'aria-label': 'Uploads',
    'aria-live': 'polite',
  });
  private readonly total = h('progress.upload-total', {
    max: '1',
    value: '0',
    'aria-label': 'All uploads',
  });
  private readonly summary = h('span.upload-summary', {}, '');
  private readonly list = h('ul.upload-list', {});
  private rows: Row[] = [];

  /** `resumable`: tus for members and admins; drop-link guests send one POST per file. */
  constructor(
    topbar: HTMLElement,
    body: HTMLElement,
    private readonly resumable = true,
  ) {
    super();
    const close = h('button.text-button', { type: 'button' }, 'Hide');
    close.addEventListener('click', () => (this.panel.hidden = true));
    this.panel.append(h('header.upload-head', {}, this.summary, close), this.total, this.list);
    topbar.append(this.button, this.input);
    body.append(this.panel);
    this.button.addEventListener('click', () => this.input.click());
    this.input.addEventListener('change', () => {
      this.add([...(this.input.files ?? [])]);
      this.input.value = '';
    });
  }

  add(files: File[]): void {
    if (files.length === 0) return;
    // Finished rows make room; failed ones stay until retried or hidden.
    for (const row of this.rows.filter((r) => r.status === 'done')) row.el.remove();
    this.rows = this.rows.filter((r) => r.status !== 'done');
    for (const file of files) this.rows.push(this.row(file));
    this.panel.hidden = false;
    this.pump();
  }

  private row(file: File): Row {
    const bar = h('progress.upload-bar', {
      max: String(file.size || 1),
      value: '0',
      'aria-label': file.name,
    });
    const state = h('span.upload-state', {}, 'Waiting');
    const el = h(
      'li.upload-row',
      { 'data-state': 'waiting' },
      h('span.upload-name', {}, file.name),
      bar,
      state,
    );
    this.list.append(el);
    return { file, el, bar, state, sent: 0, status: 'waiting', handle: null };
  }

  private pump(): void {
    const sending = this.rows.filter((r) => r.status === 'sending').length;
    for (const row of this.rows
      .filter((r) => r.status === 'waiting')
      .slice(0, Math.max(0, PARALLEL - sending)))
      this.send(row);
    this.refresh();
  }

  private send(row: Row): void {
    this.set(row, 'sending', 'Sending…');
    row.handle = (this.resumable ? uploadFile : postFile)(row.file, (sent) => {
      row.sent = sent;
      row.bar.value = sent;
      this.refresh();
    });
    row.handle.done.then(
      ({ item, duplicate }) => {
        row.sent = row.file.size;
        row.bar.value = row.file.size;
        this.set(row, 'done', duplicate ? 'Already in the library' : 'Done');
        this.emit('uploaded', { item, duplicate });
        this.pump();
      },
      (error: Error) => {
        this.set(row, 'failed', error.message);
        const retry = h('button.text-button.upload-retry', { type: 'button' }, 'Retry');
        retry.addEventListener('click', () => {
          retry.remove();
          this.set(row, 'waiting', 'Waiting');
          this.pump();
        });
        row.el.append(retry);
        this.pump();
      },
    );
  }

  private set(row: Row, status: Row['status'], text: string): void {
    row.status = status;
    row.el.dataset.state = status;
    row.state.textContent = text;
  }

  private refresh(): void {
    const size = this.rows.reduce((sum, r) => sum + r.file.size, 0) || 1;
    const sent = this.rows.reduce((sum, r) => sum + Math.min(r.sent, r.file.size), 0);
    this.total.max = size;
    this.total.value = sent;
    const done = this.rows.filter((r) => r.status === 'done').length;
    const failed = this.rows.filter((r) => r.status === 'failed').length;
    this.summary.textContent = `${done} of ${this.rows.length} uploaded${failed ? `, ${failed} failed` : ''}`;
  }
}

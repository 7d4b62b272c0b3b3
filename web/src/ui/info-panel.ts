import type { ApiItemDetail } from '../../../server/shared/api-types.js';
import { h } from '../lib/dom.js';
import { bytes, duration, takenLabel } from '../lib/format.js';

const SOURCE: Record<string, string> = {
  sidecar: 'from the XMP sidecar',
  exif: 'from the camera',
  xmp: 'from the XMP data',
  iptc: 'from the IPTC data',
  png: 'from the PNG data',
  video: 'from the video',
  filename: 'from the file name',
  modified: 'from the last edit',
  mtime: 'from the file date',
};

/** The details drawer in the lightbox, filled from `GET /api/media/:id`. */
export class InfoPanel {
  constructor(readonly root: HTMLElement) {
    root.hidden = true;
  }

  get open(): boolean {
    return !this.root.hidden;
  }

  toggle(open = !this.open): void {
    this.root.hidden = !open;
  }

  loading(): void {
    this.root.replaceChildren(h('p.muted', {}, 'Loading details…'));
  }

  failed(message: string): void {
    this.root.replaceChildren(h('p.muted', {}, `Details could not be loaded: ${message}`));
  }

  show(item: ApiItemDetail): void {
    const rows: Array<[string, string | Node]> = [
      ['Taken', `${takenLabel(item.takenAt)} (UTC${item.takenAt.slice(19) || ''}, ${SOURCE[item.takenAtSource] ?? item.takenAtSource})`],
      ['File', item.name],
      ['Folder', item.folder || '(top folder)'],
      ['Size', bytes(item.size)],
    ];
    if (item.width && item.height) rows.push(['Dimensions', `${item.width} × ${item.height} (${((item.width * item.height) / 1e6).toFixed(1)} MP)`]);
    if (item.durationMs !== null) rows.push(['Length', duration(item.durationMs)]);
    const camera = [item.camera?.make, item.camera?.model].filter(Boolean).join(' ');
    if (camera) rows.push(['Camera', camera]);
    if (item.gps) {
      const { lat, lon } = item.gps;
      const link = h('a', { href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=15/${lat}/${lon}`, target: '_blank', rel: 'noopener noreferrer' }, `${lat.toFixed(5)}, ${lon.toFixed(5)}`);
      rows.push(['Location', link]);
    }
    for (const [key, value] of Object.entries(item.exif)) {
      if (value !== null && value !== '') rows.push([humanize(key), String(value)]);
    }
    const list = h('dl');
    for (const [term, value] of rows) list.append(h('dt', {}, term), h('dd', {}, value));
    this.root.replaceChildren(h('h2', {}, 'Details'), list);
  }
}

function humanize(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}

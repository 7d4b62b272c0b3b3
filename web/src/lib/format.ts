import type { ApiItem } from '../../../server/shared/api-types.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function monthLabel(year: number, month: number): string {
  return `${MONTHS[month - 1] ?? '?'} ${year}`;
}

export function shortMonth(month: number): string {
  return (MONTHS[month - 1] ?? '?').slice(0, 3);
}

/** The wall-clock date and time the photo was taken, as written in its own time zone. */
export function takenLabel(takenAt: string): string {
  const day = Number(takenAt.slice(8, 10));
  const month = Number(takenAt.slice(5, 7));
  return `${day} ${monthLabel(Number(takenAt.slice(0, 4)), month)}, ${takenAt.slice(11, 16)}`;
}

export function altText(item: ApiItem): string {
  const kind = item.type === 'video' ? 'Video' : 'Photo';
  return `${kind} ${item.name}, ${takenLabel(item.takenAt)}`;
}

export function duration(ms: number | null): string {
  if (ms === null) return '';
  const total = Math.round(ms / 1000);
  const s = String(total % 60).padStart(2, '0');
  const m = Math.floor(total / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en')} ${count === 1 ? one : many}`;
}

/**
 * Progress for long CLI work (`spis index`): a redrawn bar with rate and ETA on a terminal,
 * plain lines otherwise (journald, CI logs, pipes), throttled either way.
 */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** Redraw (terminal) or print (otherwise) at most this often. */
  intervalMs?: number;
  now?: () => number;
  width?: number;
}

export interface ProgressSample {
  label: string;
  done: number;
  /** 0 when unknown yet (still counting). */
  total: number;
  elapsedMs: number;
}

/** "label [#####.....]  45%  1,234/5,000  310/s  ETA 12s". Pure. */
export function formatProgress({ label, done, total, elapsedMs }: ProgressSample, width = 24): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const count = total > 0 ? `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}` : done.toLocaleString('en-US');
  const parts = [label];
  if (total > 0) {
    const fraction = Math.min(1, done / total);
    const filled = Math.round(fraction * width);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`, `${String(Math.floor(fraction * 100)).padStart(3)}%`);
  }
  parts.push(count);
  if (rate > 0) parts.push(`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`);
  if (total > 0 && rate > 0 && done < total) parts.push(`ETA ${formatDuration((total - done) / rate)}`);
  return parts.join('  ');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  private readonly started: number;
  private last = -Infinity;
  private drawn = false;
  private readonly now: () => number;
  private readonly intervalMs: number;

  constructor(
    private readonly label: string,
    private readonly sink: ProgressSink,
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.intervalMs = options.intervalMs ?? (sink.isTTY ? 100 : 2000);
  }

  update(done: number, total: number, force = false): void {
    const now = this.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    const line = formatProgress({ label: this.label, done, total, elapsedMs: now - this.started }, this.options.width);
    if (this.sink.isTTY) {
      this.sink.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      this.sink.write(`${line}\n`);
    }
  }

  /** Draws the final state and ends the line, then prints `summary` if given. */
  finish(done: number, total: number, summary?: string): void {
    this.update(done, total, true);
    if (this.drawn) this.sink.write('\n');
    if (summary) this.sink.write(`${summary}\n`);
  }

  get elapsedMs(): number {
    return this.now() - this.started;
  }
}

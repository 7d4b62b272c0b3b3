import type { Library } from '../media/library.js';
import type { MediaRecord } from '../media/record.js';
import type { Logger } from '../ops/logger.js';
import type { ApiPlayback } from '../shared/api-types.js';
import { NewestFirst } from '../thumbs/newest-first.js';
import { decidePlayback, type PlaybackDecision, type TranscodeMode } from './playback-policy.js';
import type { RenditionSettings } from './rendition-args.js';
import type { RenditionStore } from './rendition-store.js';
import { TranscodeError, type Transcoder } from './transcoder.js';

export interface PlaybackOptions {
  library: Library;
  store: RenditionStore;
  /** null when ffmpeg is missing: renditions cannot be made, originals are still served. */
  transcoder: Transcoder | null;
  mode: TranscodeMode;
  settings: RenditionSettings;
  concurrency: number;
  /** false: renditions are made only when asked for (a CLI run that only indexes). */
  background: boolean;
  timeoutMs: number;
  stallMs: number;
  log: Logger;
  /** Resolves when small thumbnails are done: background transcodes wait for them. */
  thumbnailsIdle: () => Promise<void>;
  /** Progress ticks (frequent, for WebSocket clients only) and state changes (ready, failed, evicted). */
  onProgress?: (record: MediaRecord) => void;
  onChange?: (record: MediaRecord) => void;
}

/** Requests outrank every background job; later requests go before earlier ones. */
const REQUESTED = 1e15;

/**
 * The playback state of every video and the background queue that prepares renditions:
 * newest first, after small thumbnails, `concurrency` ffmpeg at a time; a video someone
 * asked to play jumps the queue. A failure is kept (with its reason) per item version, so a
 * broken file is tried once, and again only when it changes.
 */
export class PlaybackService {
  private readonly pending = new NewestFirst();
  private readonly requested = new Set<string>();
  /** id → fraction done, for jobs running now. */
  private readonly progress = new Map<string, number>();
  /** Evicted by the disk bound: made again when played, not in the background. */
  private readonly evicted = new Set<string>();
  private running = 0;
  private requestCounter = 0;
  private paused = true;
  private stopped = false;
  private sleepers: Array<() => void> = [];
  private workers: Promise<void>[] = [];
  private idleWaiters: Array<() => void> = [];
  private hardwareFailed = false;
  readonly counts = { done: 0, failed: 0 };

  constructor(private readonly options: PlaybackOptions) {}

  decide(record: MediaRecord): PlaybackDecision {
    return decidePlayback(record.mime, record.videoStreams, this.options.mode);
  }

  /** The item JSON's `playback`; undefined for images. */
  playbackOf = (record: MediaRecord): ApiPlayback | undefined => {
    if (record.type !== 'video') return undefined;
    const url = `/api/media/${record.id}/play?v=${record.version}`;
    const decision = this.decide(record);
    if (decision.serve === 'original')
      return { ready: true, url, transcoded: false, progress: null, error: null };
    if (decision.serve === 'none')
      return { ready: false, url: null, transcoded: false, progress: null, error: decision.reason };
    const { store } = this.options;
    if (store.has(record.id, record.version))
      return { ready: true, url, transcoded: true, progress: 1, error: null };
    const failure =
      store.failure(record.id, record.version) ??
      (this.options.transcoder ? null : 'ffmpeg is not installed on the server');
    if (failure)
      return { ready: false, url: null, transcoded: true, progress: null, error: failure };
    const progress = this.progress.get(record.id) ?? 0;
    return {
      ready: false,
      url,
      transcoded: true,
      progress: Math.floor(progress * 100) / 100,
      error: null,
    };
  };

  /** Whether a rendition still has to be made for this record. */
  needsWork(record: MediaRecord): boolean {
    if (
      record.type !== 'video' ||
      this.decide(record).serve !== 'rendition' ||
      !this.options.transcoder
    )
      return false;
    const { store } = this.options;
    return (
      !store.has(record.id, record.version) && store.failure(record.id, record.version) === null
    );
  }

  /** Background: queued newest first unless the disk bound already evicted it. */
  enqueue(record: MediaRecord): void {
    if (
      !this.options.background ||
      this.stopped ||
      this.evicted.has(record.id) ||
      !this.needsWork(record)
    )
      return;
    if (!this.options.store.hasRoomFor(0)) return; // the cache is full: only plays make renditions
    this.pending.add(record.id, record.takenAtMs);
    this.signal();
  }

  /** Someone wants to play it now: to the front of the queue. */
  request(record: MediaRecord): void {
    if (this.stopped || !this.needsWork(record) || this.progress.has(record.id)) return;
    this.requested.add(record.id);
    this.pending.add(record.id, REQUESTED + ++this.requestCounter);
    this.signal();
  }

  remove(id: string): void {
    this.pending.delete(id);
    this.requested.delete(id);
    this.evicted.delete(id);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.work());
  }

  status() {
    const current = [...this.progress.entries()].map(([id, progress]) => ({
      id,
      progress: Math.floor(progress * 100) / 100,
    }));
    return {
      mode: this.options.mode,
      encoder:
        this.hardwareFailed || !this.options.settings.encoder
          ? 'libx264'
          : this.options.settings.encoder,
      ffmpeg: this.options.transcoder !== null,
      paused: this.paused,
      queued: this.pending.size,
      running: this.running,
      current,
      done: this.counts.done,
      failed: this.counts.failed,
      cache: this.options.store.status(),
    };
  }

  /** Resolves when nothing is queued or running (the CLI and benchmarks wait on it). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Kills running ffmpeg processes (their partial files are removed) and stops the queue. */
  async close(): Promise<void> {
    this.stopped = true;
    this.options.transcoder?.stop();
    this.signal();
    await Promise.allSettled(this.workers);
  }

  private isIdle(): boolean {
    return this.running === 0 && (this.pending.size === 0 || this.stopped);
  }

  private signal(): void {
    for (const wake of this.sleepers.splice(0)) wake();
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      // Background jobs wait for small thumbnails: a scrolling family member comes first.
      // A play request arriving meanwhile wakes the worker (signal) and goes ahead at once.
      if (this.requested.size === 0 && this.pending.size > 0) {
        await Promise.race([
          this.options.thumbnailsIdle(),
          new Promise<void>((resolve) => this.sleepers.push(resolve)),
        ]);
        if (this.requested.size === 0 && !(await isSettled(this.options.thumbnailsIdle())))
          continue;
      }
      const id = this.stopped ? undefined : this.pending.pop();
      if (id === undefined) {
        if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
        if (this.stopped) break;
        await new Promise<void>((resolve) => this.sleepers.push(resolve));
        continue;
      }
      this.requested.delete(id);
      const record = this.options.library.index.getById(id);
      if (!record || !this.needsWork(record)) continue;
      this.running++;
      try {
        await this.transcode(record);
      } finally {
        this.running--;
      }
    }
    if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async transcode(record: MediaRecord): Promise<void> {
    const { library, store, log } = this.options;
    const decision = this.decide(record);
    const input = await library.resolveFile(record);
    if (decision.serve !== 'rendition' || !input) return;
    const started = Date.now();
    this.progress.set(record.id, 0);
    this.options.onProgress?.(record);
    let lastTick = 0;
    const onProgress = (fraction: number) => {
      this.progress.set(record.id, fraction);
      const now = Date.now();
      if (now - lastTick < 1000) return; // a tick a second is plenty for a progress label
      lastTick = now;
      this.options.onProgress?.(record);
    };
    try {
      await this.runWithFallback(
        record,
        input,
        decision.facts.audio !== null,
        decision.facts.durationMs,
        onProgress,
      );
      await store.added(record.id, record.version);
      this.counts.done++;
      log.info({ path: record.path, ms: Date.now() - started }, 'video rendition ready');
      for (const evictedId of await store.enforceLimit(`${record.id}.${record.version}`)) {
        this.evicted.add(evictedId);
        const evictedRecord = library.index.getById(evictedId);
        if (evictedRecord) this.options.onChange?.(evictedRecord);
      }
    } catch (error) {
      if (this.stopped) return; // not the file's fault: prepared again after the restart
      const reason =
        error instanceof TranscodeError
          ? error.message
          : `transcoding failed (${(error as Error).message})`;
      this.counts.failed++;
      log.warn({ path: record.path, reason }, 'video rendition failed');
      await store.failed(record.id, record.version, reason).catch(() => undefined);
    } finally {
      this.progress.delete(record.id);
    }
    // Still the same file? A change meanwhile is a new version with its own job.
    const current = library.index.getById(record.id);
    if (current) this.options.onChange?.(current);
  }

  /** A hardware encoder that fails once is given up for this run; libx264 takes over. */
  private async runWithFallback(
    record: MediaRecord,
    input: string,
    hasAudio: boolean,
    durationMs: number | null,
    onProgress: (fraction: number) => void,
  ) {
    const { settings, store, transcoder, timeoutMs, stallMs, log } = this.options;
    const job = {
      input,
      output: store.fileFor(record.id, record.version),
      durationMs,
      hasAudio,
      timeoutMs,
      stallMs,
      onProgress,
    };
    const hardware =
      settings.encoder !== '' && settings.encoder !== 'libx264' && !this.hardwareFailed;
    try {
      await transcoder!.run({
        ...job,
        settings: hardware ? settings : { ...settings, encoder: '' },
      });
    } catch (error) {
      if (!hardware || this.stopped) throw error;
      this.hardwareFailed = true;
      log.warn(
        { encoder: settings.encoder, err: (error as Error).message },
        'hardware video encoder failed: using libx264 from now on',
      );
      await transcoder!.run({ ...job, settings: { ...settings, encoder: '' } });
    }
  }
}

/** Whether a promise has already resolved (checked after the current microtasks). */
async function isSettled(promise: Promise<void>): Promise<boolean> {
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
  ]);
}

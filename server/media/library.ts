import { EventEmitter } from 'node:events';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../ops/logger.js';
import type { ApiItem, ApiPlayback, IndexPhase, LivePhoto } from '../shared/api-types.js';
import { SerialWriter } from '../util/atomic-write.js';
import { Limiter } from '../util/limiter.js';
import { FileProber, type VideoProber } from './file-probe.js';
import { LivePhotos, type PairChange } from './live-photos.js';
import { MarksStore, type MarkStore, type RemoteMarkChange } from './marks-store.js';
import { MediaIndex, type Marks } from './media-index.js';
import { hasMediaExtension, isHidden, mediaExtensions } from './media-types.js';
import { presentItem } from './present.js';
import type { MediaRecord } from './record.js';
import { buildRecord } from './record-factory.js';
import { zoneAtPosition } from './position-zone.js';
import { isSidecarName, readSidecarDate, sidecarCandidates, sidecarTarget } from './sidecar.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { isInside, walkMedia, type FoundFile } from './walk.js';
import { watchMedia, type MediaWatcher, type WatchEvent } from './watcher.js';

export interface LibraryOptions {
  mediaDir: string;
  dataDir: string;
  zone: string;
  watch: { enabled: boolean; settleMs: number; usePolling: boolean };
  bus: EventBus;
  log: Logger;
  probeVideo?: VideoProber | null;
  /** IANA zone at a GPS position, for photos whose offset nothing else gives (default: tz-lookup; null: none). */
  zoneAt?: ((lat: number, lon: number) => string | null) | null;
  /** Metadata reads in parallel; I/O bound, so a little above the core count. */
  readConcurrency?: number;
  snapshotDelayMs?: number;
  /** Where marks live (default: the data folder's marks.json). */
  openMarks?: () => Promise<MarkStore>;
}

export interface ScanState {
  /**
   * 'verifying': served from the snapshot while the start-up walk checks it against the
   * disk; otherwise the step of the first index ('walking', 'reading'), then 'watching'.
   */
  phase: IndexPhase | 'starting' | 'verifying';
  done: number;
  total: number;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
}

/** Internal notices for pipelines that follow records (thumbnails), richer than the bus. */
interface LibraryEvents {
  'record.upserted': [record: MediaRecord, previous: MediaRecord | undefined];
  'record.removed': [record: MediaRecord];
  /** An upload is about to be placed at `rel` (replicas share who uploaded it). */
  'upload.expected': [rel: string, uploadedBy: string];
}

/**
 * Keeps the in-memory index in step with the media folder: reconciles the snapshot with a
 * walk at start, then follows the watcher. One path is processed at a time, so a watcher
 * event racing the start-up walk cannot index a file twice.
 *
 * With a usable snapshot the index is served as soon as it is loaded (`ready`) and the walk
 * verifies it in the background, announcing what changed while spis was stopped like any
 * other change (`verified` once done). Without one, nothing is served until the first walk
 * has read every file, and both promises resolve together.
 */
export class Library extends EventEmitter<LibraryEvents> {
  readonly index = new MediaIndex();
  /** Still + short clip pairs; the clip stays in the index, hidden from listings. */
  readonly livePhotos = new LivePhotos(this.index);
  readonly prober: FileProber;
  readonly scan: ScanState = { phase: 'starting', done: 0, total: 0, startedAt: null, finishedAt: null, durationMs: null };
  /** Files seen but not indexed, with the reason (relative paths only). */
  readonly skipped = new Map<string, string>();
  private marks!: MarkStore;
  private watcher: MediaWatcher | null = null;
  private realRoot = '';
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly readLimiter: Limiter;
  private snapshotTimer: NodeJS.Timeout | null = null;
  private snapshotDirty = false;
  private readonly snapshotWriter = new SerialWriter();
  private announceGate: (record: MediaRecord) => Promise<void> = async () => undefined;
  private readyResolve!: () => void;
  /** The index can be served: the snapshot is loaded, or the first walk is done. */
  readonly ready: Promise<void> = new Promise((resolve) => (this.readyResolve = resolve));
  private verifiedResolve!: () => void;
  /** The start-up walk has ended: the index is reconciled with the disk and `index.completed` went out (or close() stopped it). */
  readonly verified: Promise<void> = new Promise((resolve) => (this.verifiedResolve = resolve));
  /** The start-up walk's current step ('walking' or 'reading'), for progress events. */
  private step: IndexPhase = 'walking';
  /** Paths an upload is placing right now, with who uploaded them (for `media.added`). */
  private readonly uploads = new Map<string, string>();
  private closed = false;
  private lastProgress = 0;

  constructor(private readonly options: LibraryOptions) {
    super();
    this.prober = new FileProber(options.probeVideo ?? null);
    this.readLimiter = new Limiter(options.readConcurrency ?? 8);
  }

  /** Called before `media.added` goes out, e.g. to make sure the small thumbnail exists. */
  setAnnounceGate(gate: (record: MediaRecord) => Promise<void>): void {
    this.announceGate = gate;
  }

  get isReady(): boolean {
    return this.scan.phase === 'watching' || this.scan.phase === 'verifying';
  }

  marksOf = (record: MediaRecord): Marks => this.marks.get(record.fingerprint);

  /** A video's playback state for its JSON; set by the video pipeline (server/video). */
  playbackOf: (record: MediaRecord) => ApiPlayback | undefined = () => undefined;

  livePhotoOf = (record: MediaRecord): LivePhoto | null => this.livePhotos.of(record.id);

  present(record: MediaRecord): ApiItem {
    return presentItem(record, this.marksOf(record), this.playbackOf(record), this.livePhotoOf(record));
  }

  markCounts() {
    return this.marks.counts();
  }

  /**
   * Loads marks and the snapshot, starts watching, then walks; resolves once the walk is done
   * (`verified`), which with a usable snapshot is well after `ready`.
   */
  async start(): Promise<void> {
    const { dataDir, mediaDir, log } = this.options;
    this.marks = await (this.options.openMarks ?? (() => MarksStore.open(dataDir)))();
    this.marks.onRemoteChange((change) => this.remoteMarks(change));
    this.realRoot = await realpath(mediaDir);
    this.scan.startedAt = Date.now();

    const snapshot = await readSnapshot(dataDir);
    const firstIndex = snapshot === null;
    if (snapshot && snapshot.zone !== this.options.zone) {
      log.info({ from: snapshot.zone, to: this.options.zone }, 'time zone changed: re-reading dates of every file');
    }
    const reusable = snapshot !== null && snapshot.zone === this.options.zone;
    this.index.load(reusable ? snapshot.records : []);
    this.livePhotos.rebuild();
    if (reusable) {
      // The walk costs a stat per file (seconds at 100k items): serve what the snapshot holds
      // meanwhile; differences go out as media.added / updated / removed once found.
      this.scan.phase = 'verifying';
      log.info({ items: this.index.size, ms: Date.now() - this.scan.startedAt }, 'media index loaded from the snapshot; verifying it');
      this.readyResolve();
    }

    if (this.options.watch.enabled) this.startWatcher();
    await this.reconcile(firstIndex);
    await this.watcher?.ready;
    this.scan.phase = 'watching';
    this.scan.finishedAt = Date.now();
    this.scan.durationMs = this.scan.finishedAt - (this.scan.startedAt ?? this.scan.finishedAt);
    // A warm start that found nothing changed would rewrite the same snapshot (20 MB and about
    // a second of CPU at 100k items, right when the first requests arrive): skip it.
    if (this.snapshotDirty || firstIndex) this.scheduleSnapshot(0);
    if (this.closed) {
      // Shut down mid-walk: nothing was completed, so nothing is announced as such; the next
      // start walks again from whatever snapshot close() saved.
      log.info({ items: this.index.size }, 'start-up walk stopped by shutdown');
    } else {
      const done = reusable ? 'media index verified against the disk' : 'media index ready';
      log.info({ items: this.index.size, skipped: this.skipped.size, ms: this.scan.durationMs }, done);
      this.options.bus.emit('index.completed', { count: this.index.size, firstIndex });
    }
    this.readyResolve();
    this.verifiedResolve();
  }

  private async reconcile(firstIndex: boolean): Promise<void> {
    const seen = new Set<string>();
    const changed: FoundFile[] = [];
    this.setPhase('walking');
    for await (const batch of walkMedia(this.options.mediaDir, {
      exclude: [await realpath(this.options.dataDir).catch(() => this.options.dataDir)],
      onSkip: (rel, reason) => this.skip(rel, reason),
    })) {
      if (this.closed) return;
      for (const file of batch) {
        seen.add(file.rel);
        const known = this.index.getByPath(file.rel);
        if (!known || !isCurrent(known, file)) changed.push(file);
      }
      this.scan.total = seen.size;
      this.progress();
    }
    for (const record of [...this.index.all()]) {
      if (!seen.has(record.path)) this.removeRecord(record.path, !firstIndex);
    }
    this.setPhase('reading', seen.size - changed.length, seen.size);
    await Promise.all(
      changed.map((file) =>
        this.readLimiter.run(async () => {
          if (this.closed) return; // shutting down: the next start resumes from the snapshot
          await this.serialized(file.rel, () => this.indexFile(file, !firstIndex));
          this.scan.done++;
          this.progress();
        }),
      ),
    );
  }

  private startWatcher(): void {
    const dataDir = this.options.dataDir;
    this.watcher = watchMedia(this.options.mediaDir, {
      settleMs: this.options.watch.settleMs,
      usePolling: this.options.watch.usePolling,
      exclude: [dataDir],
      onEvent: (event) => void this.onWatchEvent(event),
      onError: (error) => this.options.log.warn({ err: error.message }, 'watcher error'),
    });
  }

  private async onWatchEvent(event: WatchEvent): Promise<void> {
    if (this.closed) return;
    try {
      switch (event.kind) {
        case 'file':
          await this.serialized(event.rel, () => this.refreshPath(event.rel));
          break;
        case 'file-removed':
          // Re-check the disk rather than trust event order: a quick remove-and-restore stays indexed.
          await this.serialized(event.rel, () => this.refreshPath(event.rel));
          break;
        case 'folder-removed':
          for (const rel of this.index.pathsUnder(event.rel)) {
            await this.serialized(rel, async () => this.removeRecord(rel, true));
          }
          break;
        default: {
          const never: never = event;
          throw new Error(`unknown watch event ${JSON.stringify(never)}`);
        }
      }
    } catch (error) {
      this.options.log.error({ err: (error as Error).message, path: event.rel }, 'failed to handle a media change');
    }
  }

  /** Re-stats one path and brings the index in line with what is on disk. */
  private async refreshPath(rel: string): Promise<void> {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (rel.split('/').some(isHidden)) return;
    if (isSidecarName(name)) {
      // A sidecar added, edited or removed: re-read the files it describes (never an item itself).
      for (const target of this.sidecarTargets(rel)) await this.serialized(target, () => this.refreshPath(target));
      return;
    }
    if (!hasMediaExtension(name)) return;
    const abs = path.join(this.options.mediaDir, rel);
    const real = await realpath(abs).catch(() => null);
    if (!real || !isInside(this.realRoot, real)) {
      if (real) this.skip(rel, 'symlink points outside the media folder');
      this.removeRecord(rel, true);
      return;
    }
    const info = await stat(abs).catch(() => null);
    if (!info?.isFile()) {
      this.removeRecord(rel, true);
      return;
    }
    const found: FoundFile = { rel, abs, size: info.size, mtimeMs: Math.trunc(info.mtimeMs), sidecar: await findSidecar(abs) };
    const known = this.index.getByPath(rel);
    if (known && isCurrent(known, found)) return;
    await this.indexFile(found, true);
  }

  /** Indexed files a sidecar at `rel` belongs to: `a.jpg.xmp` → `a.jpg`; `a.xmp` → every `a.*`. */
  private sidecarTargets(rel: string): string[] {
    const slash = rel.lastIndexOf('/') + 1;
    const folder = rel.slice(0, slash);
    const { exact, base } = sidecarTarget(rel.slice(slash));
    if (exact !== null) return this.index.getByPath(folder + exact) ? [folder + exact] : [];
    const targets: string[] = [];
    for (const ext of mediaExtensions) {
      for (const candidate of [`${folder}${base}.${ext}`, `${folder}${base}.${ext.toUpperCase()}`]) {
        if (this.index.getByPath(candidate)) targets.push(candidate);
      }
    }
    return targets;
  }

  private async indexFile(file: FoundFile, announce: boolean): Promise<void> {
    const known = this.index.getByPath(file.rel);
    if (known && isCurrent(known, file)) return;
    const result = await this.prober.probe(file.abs, file.size);
    if (!result.ok && result.missing) {
      this.removeRecord(file.rel, announce); // gone since it was listed: a move, not a bad file
      return;
    }
    if (!result.ok) {
      this.skip(file.rel, result.reason);
      this.removeRecord(file.rel, announce);
      return;
    }
    this.skipped.delete(file.rel);
    const sidecarDate = file.sidecar ? await readSidecarDate(file.sidecar.abs).catch(() => null) : null;
    const record = buildRecord(file.rel, file, result.facts, this.options.zone, {
      sidecar: file.sidecar ? { date: sidecarDate, mtimeMs: file.sidecar.mtimeMs } : null,
      zoneAt: this.options.zoneAt === undefined ? zoneAtPosition : this.options.zoneAt,
    });
    if (known && known.fingerprint !== record.fingerprint) {
      await this.marks.rekey(known.fingerprint, record.fingerprint, record.path).catch((error: Error) => {
        // The store is away: the file is still indexed; its marks stay with the old content.
        this.options.log.warn({ path: record.path, err: error.message }, 'could not carry marks over to the changed file');
      });
    }
    const wasHidden = this.index.isHidden(record.id);
    const previous = this.index.upsert(record);
    const pairing = this.livePhotos.update(record.path);
    this.scheduleSnapshot();
    this.emit('record.upserted', record, previous);
    if (!announce) return;
    this.announcePairing(pairing, record.id);
    // A Live Photo's clip is part of its still's item: never announced on its own.
    if (this.index.isHidden(record.id)) return;
    await this.announceGate(record).catch((error: Error) =>
      this.options.log.warn({ path: record.path, err: error.message }, 'could not prepare item before announcing it'),
    );
    // The gate may have taken a while; only announce what is still current.
    const current = this.index.getByPath(record.path);
    if (current?.version !== record.version) return;
    const uploadedBy = this.uploads.get(record.path);
    if (previous && !wasHidden) this.options.bus.emit('media.updated', { item: this.present(current) });
    else this.options.bus.emit('media.added', { item: this.present(current), ...(uploadedBy ? { uploadedBy } : {}) });
  }

  private removeRecord(rel: string, announce: boolean): void {
    const wasHidden = this.index.isHidden(this.index.getByPath(rel)?.id ?? '');
    const removed = this.index.removePath(rel);
    if (!removed) return;
    const pairing = this.livePhotos.update(rel);
    this.scheduleSnapshot();
    this.emit('record.removed', removed);
    if (!announce) return;
    if (!wasHidden) this.options.bus.emit('media.removed', { id: removed.id, path: removed.path, version: removed.version });
    this.announcePairing(pairing, removed.id);
  }

  /** Live Photo pairings made or undone by a change to `changedId`, whose own event is sent by the caller. */
  private announcePairing(pairing: PairChange, changedId: string): void {
    for (const id of pairing.clipsHidden) {
      const clip = this.index.getById(id);
      if (id !== changedId && clip) this.options.bus.emit('media.removed', { id, path: clip.path, version: clip.version });
    }
    for (const id of [...pairing.clipsShown, ...pairing.stillsChanged]) {
      const record = this.index.getById(id);
      if (id === changedId || !record) continue;
      this.options.bus.emit(pairing.clipsShown.includes(id) ? 'media.added' : 'media.updated', { item: this.present(record) });
    }
  }

  /**
   * Called before an upload renames a file into place: whichever indexes it first (the upload
   * itself or the watcher) announces it once, with `uploadedBy`.
   */
  expectUpload(rel: string, uploadedBy: string): () => void {
    this.uploads.set(rel, uploadedBy);
    this.emit('upload.expected', rel, uploadedBy);
    return () => {
      if (this.uploads.get(rel) === uploadedBy) this.uploads.delete(rel);
    };
  }

  /** Indexes a file an upload just placed, without waiting for the watcher; resolves once announced. */
  async ingest(rel: string): Promise<MediaRecord | undefined> {
    await this.ready;
    try {
      await this.serialized(rel, () => this.refreshPath(rel));
    } finally {
      this.uploads.delete(rel);
    }
    return this.index.getByPath(rel);
  }

  /** Updates fields that pipelines compute later (placeholder, video facts) without re-reading. */
  patch(id: string, change: Partial<Pick<MediaRecord, 'placeholder' | 'durationMs' | 'width' | 'height'>>): MediaRecord | undefined {
    const record = this.index.getById(id);
    if (!record) return undefined;
    Object.assign(record, change);
    this.scheduleSnapshot();
    return record;
  }

  /**
   * The absolute path to read for a record, re-checked at use: a file swapped for a symlink
   * to somewhere else after indexing is refused, not followed.
   */
  async resolveFile(record: MediaRecord): Promise<string | null> {
    const abs = path.join(this.options.mediaDir, record.path);
    const real = await realpath(abs).catch(() => null);
    return real && isInside(this.realRoot, real) ? real : null;
  }

  async setMarks(id: string, change: Partial<Marks>): Promise<ApiItem | undefined> {
    const record = this.index.getById(id);
    if (!record) return undefined;
    const write = await this.marks.set(record.fingerprint, record.path, change);
    const item = presentItem(record, write.marks, this.playbackOf(record), this.livePhotoOf(record));
    // A Live Photo's clip is not listed, so clients have nothing to update.
    if (write.changed && !write.announced && !this.index.isHidden(record.id)) {
      this.options.bus.emit('media.updated', { item, ...(write.eventKey ? { eventKey: write.eventKey } : {}) });
    }
    return item;
  }

  /** Marks changed through another replica: announced here as if made here, under the same key. */
  private remoteMarks(change: RemoteMarkChange): void {
    const record = this.index.getByPath(change.path);
    if (!record || record.fingerprint !== change.fingerprint || this.index.isHidden(record.id)) return;
    this.options.bus.emit('media.updated', { item: this.present(record), eventKey: change.eventKey });
  }

  private skip(rel: string, reason: string): void {
    if (this.skipped.get(rel) === reason) return;
    this.skipped.set(rel, reason);
    this.options.log.warn({ path: rel, reason }, 'skipped a file');
  }

  private serialized(rel: string, task: () => Promise<void>): Promise<void> {
    const previous = this.inFlight.get(rel) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tracked = next.catch(() => undefined).finally(() => {
      if (this.inFlight.get(rel) === tracked) this.inFlight.delete(rel);
    });
    this.inFlight.set(rel, tracked);
    return next;
  }

  private setPhase(step: IndexPhase, done = 0, total = 0): void {
    this.step = step;
    if (this.scan.phase !== 'verifying') this.scan.phase = step;
    this.scan.done = done;
    this.scan.total = total;
    this.progress(true);
  }

  private progress(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < 250) return;
    this.lastProgress = now;
    this.options.bus.emit('index.progress', { phase: this.step, done: this.scan.done, total: this.scan.total });
  }

  private scheduleSnapshot(delayMs = this.options.snapshotDelayMs ?? 2000): void {
    this.snapshotDirty = true;
    if (this.scan.phase !== 'watching' && delayMs > 0) return; // saved once the start-up walk ends
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    this.snapshotTimer = setTimeout(() => void this.saveSnapshot(), delayMs);
    this.snapshotTimer.unref();
  }

  saveSnapshot(): Promise<void> {
    return this.snapshotWriter.run(async () => {
      if (!this.snapshotDirty) return;
      this.snapshotDirty = false;
      try {
        await writeSnapshot(this.options.dataDir, { zone: this.options.zone, records: [...this.index.all()] });
      } catch (error) {
        this.snapshotDirty = true;
        this.options.log.error({ err: (error as Error).message }, 'could not save the index snapshot');
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    await this.watcher?.close();
    await Promise.allSettled([...this.inFlight.values()]);
    if (this.scan.phase === 'watching') await this.saveSnapshot();
    await (this.marks as MarkStore | undefined)?.close();
  }
}

/** The index already holds this file as it is on disk (content and sidecar unchanged). */
function isCurrent(known: MediaRecord, file: FoundFile): boolean {
  return known.size === file.size && known.mtimeMs === file.mtimeMs && known.sidecarMtimeMs === (file.sidecar?.mtimeMs ?? null);
}

/** The sidecar beside a file found by a watch event (the walk finds them in its folder listing). */
async function findSidecar(abs: string): Promise<FoundFile['sidecar']> {
  const folder = path.dirname(abs);
  for (const name of sidecarCandidates(path.basename(abs))) {
    const info = await stat(path.join(folder, name)).catch(() => null);
    if (info?.isFile()) return { abs: path.join(folder, name), mtimeMs: Math.trunc(info.mtimeMs) };
  }
  return null;
}

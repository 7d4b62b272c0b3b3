import { LRUCache } from 'lru-cache';
import type { Library } from '../media/library.js';
import type { MediaRecord } from '../media/record.js';
import type { MediaType } from '../shared/api-types.js';
import type { Logger } from '../ops/logger.js';
import type { Limiter } from '../util/limiter.js';
import type { BackgroundRenderer } from './background-renderer.js';
import type { ThumbDiskCache } from './disk-cache.js';
import { renditionBox, type FormatPolicy, type OutputFormat, type Rendition } from './formats.js';
import { SharedCache } from './memory-cache.js';
import { preferredFormat } from './negotiate.js';
import { render, type RenderLimits } from './render.js';
import { toMediaError } from './render-errors.js';
import { loadSource, type SourceOptions } from './source.js';
import { computeThumbhash } from './thumbhash.js';

/** Told the wall time of every successful render (metrics); `size` is a rendition or 'transform'. */
export type RenderObserver = (size: string, kind: MediaType, seconds: number) => void;

export interface ThumbServiceOptions {
  library: Library;
  disk: ThumbDiskCache;
  limiter: Limiter;
  source: SourceOptions;
  policy: FormatPolicy;
  quality: number;
  memoryCacheBytes: number;
  limits: RenderLimits;
  log: Logger;
  /** Where background renders run (a low-priority process); in-process under the limiter without it. */
  background?: BackgroundRenderer;
}

/**
 * Small and large renditions: memory → disk → render, in that order. Concurrent requests for
 * one rendition share a single render; renders run under the shared sharp limiter, requests
 * ahead of background work.
 */
export class ThumbService {
  /** Renders actually performed (not cache hits); lets tests prove de-duplication. */
  renders = 0;
  renderFailures = 0;
  /** Set by the composition root; the pipeline does not depend on the metrics registry. */
  onRendered: RenderObserver | null = null;
  readonly memory: SharedCache;
  /** Recent failures, so a broken file is not decoded again on every request. */
  private readonly failed = new LRUCache<string, { error: unknown }>({ max: 1000 });

  constructor(private readonly options: ThumbServiceOptions) {
    this.memory = new SharedCache(options.memoryCacheBytes);
  }

  get preferred(): OutputFormat {
    return preferredFormat(this.options.policy);
  }

  async get(record: MediaRecord, rendition: Rendition, format: OutputFormat, priority = true): Promise<Buffer> {
    const key = `${record.id}/${record.version}/${rendition}.${format}`;
    const failure = this.failed.get(key);
    if (failure) throw failure.error;
    if (!priority && this.options.background) return this.getInBackground(key, record, rendition, format, this.options.background);
    return this.memory.get(key, () =>
      this.storedOrRendered(key, record, rendition, format, () => this.options.limiter.run(() => this.render(record, rendition, format), priority)),
    );
  }

  /**
   * A background render: neither joins nor fills the memory cache, so a request for the same
   * image never waits on low-priority work (it renders the image itself, at full speed).
   */
  private async getInBackground(key: string, record: MediaRecord, rendition: Rendition, format: OutputFormat, background: BackgroundRenderer): Promise<Buffer> {
    return this.memory.peek(key) ?? this.storedOrRendered(key, record, rendition, format, () => this.render(record, rendition, format, background));
  }

  /** The rendition from the disk cache, else rendered and stored; a failure is remembered per version. */
  private async storedOrRendered(key: string, record: MediaRecord, rendition: Rendition, format: OutputFormat, render: () => Promise<Buffer>): Promise<Buffer> {
    const { disk } = this.options;
    const stored = await disk.read(record.id, record.version, rendition, format);
    if (stored) return stored;
    try {
      const data = await render();
      if (this.isCurrent(record)) await disk.write(record.id, record.version, rendition, format, data);
      return data;
    } catch (error) {
      const mapped = toMediaError(error, this.options.limits.maxInputPixels, pixelsOf(record));
      this.failed.set(key, { error: mapped });
      throw mapped;
    }
  }

  /** The small thumbnail exists on disk and the record has its placeholder. */
  async ensureSmall(record: MediaRecord, priority: boolean): Promise<void> {
    const format = this.preferred;
    const onDisk = await this.options.disk.has(record.id, record.version, 'small', format);
    if (onDisk && record.placeholder) return;
    const image = await this.get(record, 'small', format, priority);
    // Usually set by the render itself; a thumbnail found on disk after the snapshot was lost is not.
    if (!record.placeholder && this.isCurrent(record)) {
      this.options.library.patch(record.id, { placeholder: await computeThumbhash(image) });
    }
  }

  /** Forgets everything about an item's other versions (or the item, with `keep` null). */
  async forget(id: string, keep: string | null): Promise<void> {
    this.memory.deleteWhere((key) => key.startsWith(`${id}/`) && (keep === null || !key.startsWith(`${id}/${keep}/`)));
    await this.options.disk.prune(id, keep);
  }

  private async render(record: MediaRecord, rendition: Rendition, format: OutputFormat, background?: BackgroundRenderer): Promise<Buffer> {
    this.renders++;
    const box = renditionBox[rendition];
    const started = performance.now();
    try {
      const source = await loadSource(record, this.options.source);
      const ops = { width: box, height: box, fit: 'inside', enlarge: false, format, quality: this.options.quality } as const;
      // The placeholder comes from the small render (a 400 px image decodes in a few ms).
      const wantsPlaceholder = rendition === 'small' && !record.placeholder;
      const rendered = background
        ? await background.render(source, ops, this.options.limits, wantsPlaceholder)
        : { ...(await render(source, ops, this.options.limits)), placeholder: null };
      const { data } = rendered;
      this.onRendered?.(rendition, record.type, (performance.now() - started) / 1000);
      if (wantsPlaceholder && this.isCurrent(record)) {
        this.options.library.patch(record.id, { placeholder: rendered.placeholder ?? (await computeThumbhash(data)) });
      }
      return data;
    } catch (error) {
      this.renderFailures++;
      this.options.log.warn({ path: record.path, rendition, err: (error as Error).message }, 'thumbnail failed');
      throw error;
    }
  }

  private isCurrent(record: MediaRecord): boolean {
    return this.options.library.index.getById(record.id)?.version === record.version;
  }
}

const pixelsOf = (record: MediaRecord) => (record.width && record.height ? record.width * record.height : null);

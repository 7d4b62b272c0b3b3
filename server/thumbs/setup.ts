import path from 'node:path';
import type { StatusSections } from '../api/status-route.js';
import type { Config } from '../config/schema.js';
import type { Library } from '../media/library.js';
import type { VideoTools } from '../media/video-probe.js';
import type { Logger } from '../ops/logger.js';
import { Limiter } from '../util/limiter.js';
import { BackgroundRenderer } from './background-renderer.js';
import { ThumbDiskCache } from './disk-cache.js';
import { defaultMemoryCacheBytes } from './memory-budget.js';
import { PregenQueue } from './pregen-queue.js';
import type { SourceOptions } from './source.js';
import { ThumbService } from './thumb-service.js';
import { TransformService } from './transform-service.js';

export interface Thumbnails {
  service: ThumbService;
  transforms: TransformService;
  queue: PregenQueue;
  /** The one limiter around sharp, ffmpeg posters and HEIC decoding for requests. */
  limiter: Limiter;
  /** The low-priority process background renders run in. */
  background: BackgroundRenderer;
  tools: VideoTools;
  close(): Promise<void>;
}

export interface ThumbnailDeps {
  config: Config;
  library: Library;
  log: Logger;
  status: StatusSections;
  tools: VideoTools;
}

/** Formats and limits every render follows, from the configuration (also used by `spis process`). */
export function renderSettings(config: Config) {
  const { thumbnails: settings, transforms: limits } = config;
  const renderLimits = { maxInputPixels: limits.maxInputPixels, timeoutSeconds: settings.timeoutSeconds };
  return {
    policy: { avif: settings.avif, webp: settings.webp },
    quality: settings.quality,
    renderLimits,
    transformLimits: { ...renderLimits, maxWidth: limits.maxWidth, maxHeight: limits.maxHeight },
  };
}

/** Builds the thumbnail pipeline and hooks it to the library's record notices. */
export function setupThumbnails({ config, library, log, status, tools }: ThumbnailDeps): Thumbnails {
  const { thumbnails: settings, transforms: limits } = config;
  const limiter = new Limiter(settings.concurrency);
  const disk = new ThumbDiskCache(path.join(config.data, 'thumbs'));
  const source: SourceOptions = { library, ffmpeg: tools.ffmpeg, maxInputPixels: limits.maxInputPixels };
  const { policy, renderLimits } = renderSettings(config);
  // Pre-generation and bulk additions render in a process of low CPU priority: a bulk render
  // never slows down anyone's scrolling.
  const background = new BackgroundRenderer({ log, concurrency: settings.concurrency });
  const service = new ThumbService({
    library, disk, limiter, source, policy, log,
    ...(settings.backgroundProcess ? { background } : {}),
    quality: settings.quality,
    memoryCacheBytes: settings.memoryCacheBytes ?? defaultMemoryCacheBytes(),
    limits: renderLimits,
  });
  const transforms = new TransformService({
    limiter, source, policy,
    quality: settings.quality,
    cacheBytes: limits.cacheBytes,
    limits: { ...renderLimits, maxWidth: limits.maxWidth, maxHeight: limits.maxHeight },
  });
  // Twice the render slots: while one item waits on its fsync the next one renders. The
  // background renderer bounds its own renders; requests render in this process.
  const workers = settings.concurrency * 2;
  const queue = new PregenQueue(library, (record) => service.ensureSmall(record, false), workers, log, settings.pregenerate);

  const forget = (id: string, keep: string | null) =>
    void service.forget(id, keep).catch((error: Error) => log.warn({ err: error.message }, 'could not delete old thumbnails'));
  library.on('record.upserted', (record, previous) => {
    if (previous && previous.version !== record.version) forget(previous.id, record.version);
    queue.add(record);
  });
  library.on('record.removed', (record) => {
    queue.remove(record.id);
    forget(record.id, null);
  });
  // media.added only goes out once a client can show the item: small thumbnail and placeholder.
  // A new file or two render here, with a request's priority, so they are announced within a
  // second or two. When new files pile up faster than that (a thousand photos copied in at
  // once), the rest go to the background process, so the bulk never stalls anyone's scrolling.
  let announcing = 0;
  library.setAnnounceGate(async (record) => {
    const bulk = settings.backgroundProcess && announcing >= settings.concurrency;
    announcing++;
    try {
      await service.ensureSmall(record, !bulk);
    } finally {
      announcing--;
    }
  });

  let closed = false;
  // After the start-up walk, not at `ready`: a snapshot served early may still hold files
  // removed or changed while spis was stopped; rendering (or keeping) thumbnails for those
  // would be wasted work, competing with the walk for the disk and the CPU.
  void library.verified.then(async () => {
    if (closed) return;
    const swept = await disk.sweep((id) => library.index.getById(id)?.version ?? null).catch(() => 0);
    if (swept > 0) log.info({ removed: swept }, 'deleted thumbnails of items that are gone');
    for (const record of library.index.all()) queue.add(record);
    queue.resume();
  });

  status.set('thumbnails', () => ({
    ...queue.status(),
    renders: service.renders,
    failures: service.renderFailures,
    transforms: transforms.renders,
    limiter: { running: limiter.running, waiting: limiter.pending, concurrency: limiter.concurrency },
    memoryCache: { items: service.memory.size, bytes: service.memory.bytes, hits: service.memory.hits, misses: service.memory.misses },
    video: { ffmpeg: tools.ffmpeg !== null, ffprobe: tools.ffprobe !== null },
  }));

  return {
    service, transforms, queue, limiter, background, tools,
    async close() {
      closed = true;
      queue.stop();
      await queue.idle();
      await background.close();
    },
  };
}

import path from 'node:path';
import sharp from 'sharp';
import type { StatusSections } from '../api/status-route.js';
import type { Config } from '../config/schema.js';
import type { Library } from '../media/library.js';
import type { VideoTools } from '../media/video-probe.js';
import type { Logger } from '../ops/logger.js';
import { Limiter } from '../util/limiter.js';
import { ThumbDiskCache } from './disk-cache.js';
import { PregenQueue } from './pregen-queue.js';
import type { SourceOptions } from './source.js';
import { ThumbService } from './thumb-service.js';
import { TransformService } from './transform-service.js';

export interface Thumbnails {
  service: ThumbService;
  transforms: TransformService;
  queue: PregenQueue;
  /** The one limiter around sharp, ffmpeg posters and HEIC decoding. */
  limiter: Limiter;
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
  // libvips' own operation cache (50 MB by default) pays off when one image is processed
  // again and again; here nearly every render reads another file, and finished renditions
  // are cached by spis itself, so it would only hold memory (measured by the soak bench).
  sharp.cache(false);
  const limiter = new Limiter(settings.concurrency);
  const disk = new ThumbDiskCache(path.join(config.data, 'thumbs'));
  const source: SourceOptions = { library, ffmpeg: tools.ffmpeg, maxInputPixels: limits.maxInputPixels };
  const { policy, renderLimits } = renderSettings(config);
  const service = new ThumbService({
    library, disk, limiter, source, policy, log,
    quality: settings.quality,
    memoryCacheBytes: settings.memoryCacheBytes,
    limits: renderLimits,
  });
  const transforms = new TransformService({
    limiter, source, policy,
    quality: settings.quality,
    cacheBytes: limits.cacheBytes,
    limits: { ...renderLimits, maxWidth: limits.maxWidth, maxHeight: limits.maxHeight },
  });
  // Twice the render slots: while one item waits on its fsync the next one renders. The
  // limiter still bounds sharp itself, and requests still go first.
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
  library.setAnnounceGate((record) => service.ensureSmall(record, true));

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
    service, transforms, queue, limiter, tools,
    async close() {
      closed = true;
      queue.stop();
      await queue.idle();
    },
  };
}

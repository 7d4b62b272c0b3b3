import type { Library } from '../media/library.js';
import type { MediaRecord } from '../media/record.js';
import { notFound } from '../api/errors.js';
import { decodeHeic, isHeif } from './heic.js';
import { headerPixels, type RenderSource } from './render.js';
import { MediaTooLarge } from './render-errors.js';
import { extractPoster, placeholderPoster } from './video-poster.js';

export interface SourceOptions {
  library: Library;
  ffmpeg: string | null;
  maxInputPixels: number;
}

/**
 * Turns a record into something sharp can read: the file itself for most images, decoded
 * pixels for HEIC, a poster frame (or placeholder) for videos. The path is re-checked at
 * use, so a file swapped for an outside symlink after indexing is refused.
 */
export async function loadSource(record: MediaRecord, options: SourceOptions): Promise<RenderSource> {
  const abs = await options.library.resolveFile(record);
  if (!abs) throw notFound('media file');
  return fileSource(abs, record, options);
}

/** The same for a file that is not in the library (`spis process`), from what its probe found. */
export async function fileSource(
  abs: string,
  record: Pick<MediaRecord, 'type' | 'mime' | 'durationMs'>,
  options: Omit<SourceOptions, 'library'>,
): Promise<RenderSource> {
  if (record.type === 'video') {
    const poster = options.ffmpeg ? await extractPoster(options.ffmpeg, abs, record.durationMs) : null;
    return { input: poster ?? (await placeholderPoster()), autoOrient: false };
  }
  if (isHeif(record.mime)) {
    // heic-decode has no pixel limit of its own: check the header before allocating.
    const pixels = await headerPixels(abs).catch(() => null);
    if (pixels !== null && pixels > options.maxInputPixels) throw new MediaTooLarge(pixels, options.maxInputPixels);
    const decoded = await decodeHeic(abs);
    return { input: decoded.pixels, raw: { width: decoded.width, height: decoded.height, channels: 4 }, autoOrient: false };
  }
  return { input: abs, autoOrient: true };
}

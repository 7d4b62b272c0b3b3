import { AppError } from '../api/errors.js';

/**
 * Maps failures from decoders to client errors. Library messages are never passed on:
 * they can carry server paths. Anything unrecognised stays a 500 (logged, not shown).
 */
export class MediaTooLarge extends AppError {
  constructor(pixels: number | null, limit: number) {
    const size = pixels ? ` (${(pixels / 1e6).toFixed(0)} megapixels)` : '';
    super('unprocessable_media', `the image is too large to process${size}; the limit is ${(limit / 1e6).toFixed(0)} megapixels`);
  }
}

export function toMediaError(error: unknown, maxInputPixels: number, pixels: number | null = null): unknown {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return new MediaTooLarge(pixels, maxInputPixels);
  if (/timeout/i.test(message)) return new AppError('unprocessable_media', 'the image took too long to render');
  if (/premature end|truncated|corrupt|invalid|unsupported image format|bad seek|not a known|vipsjpeg|vipspng|libspng|heif|read error|decode/i.test(message)) {
    return new AppError('unprocessable_media', 'the file could not be decoded as an image');
  }
  return error;
}

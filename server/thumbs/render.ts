import type { Sharp } from 'sharp';
import { loadSharp } from '../util/sharp-loader.js';
import type { OutputFormat } from './formats.js';

/**
 * The one place that drives sharp. Takes a decoded-or-decodable source and a plain
 * description of the output; knows nothing about records, caches or HTTP.
 */
export interface RenderSource {
  /** A file path, an encoded buffer (video poster), or raw RGBA pixels (decoded HEIC). */
  input: string | Buffer;
  raw?: { width: number; height: number; channels: 4 };
  /** Apply EXIF orientation; off for sources whose decoder already applied it (HEIC). */
  autoOrient: boolean;
}

export interface RenderOps {
  width: number | null;
  height: number | null;
  fit: 'inside' | 'cover' | 'contain' | 'fill';
  enlarge: boolean;
  format: OutputFormat;
  quality: number;
  rotate?: 0 | 90 | 180 | 270;
  flip?: 'h' | 'v' | null;
  blur?: number | null;
  grayscale?: boolean;
}

export interface RenderLimits {
  maxInputPixels: number;
  timeoutSeconds: number;
}

export interface Rendered {
  data: Buffer;
  width: number;
  height: number;
}

export async function render(source: RenderSource, ops: RenderOps, limits: RenderLimits): Promise<Rendered> {
  const image = encode(pipeline(await loadSharp(), source, ops, limits), ops.format, ops.quality);
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

type SharpFactory = Awaited<ReturnType<typeof loadSharp>>;

function pipeline(sharp: SharpFactory, source: RenderSource, ops: RenderOps, limits: RenderLimits): Sharp {
  let image = sharp(source.input, {
    limitInputPixels: limits.maxInputPixels,
    // Lenient with the small faults phones write, strict with files cut short.
    failOn: 'truncated',
    sequentialRead: true,
    ...(source.raw ? { raw: source.raw } : {}),
  });
  if (source.autoOrient) image = image.autoOrient();
  if (ops.rotate) image = image.rotate(ops.rotate);
  if (ops.flip === 'h') image = image.flop();
  if (ops.flip === 'v') image = image.flip();
  if (ops.width !== null || ops.height !== null) {
    // For JPEG input sharp shrinks on load (decodes at 1/2, 1/4, 1/8), the big win for 12 MP photos.
    image = image.resize({
      width: ops.width ?? undefined,
      height: ops.height ?? undefined,
      fit: ops.fit,
      withoutEnlargement: !ops.enlarge,
      background: ops.format === 'jpeg' ? '#ffffff' : { r: 0, g: 0, b: 0, alpha: 0 },
    });
  }
  if (ops.blur) image = image.blur(ops.blur);
  if (ops.grayscale) image = image.grayscale();
  // Default pipeline: convert to sRGB using the embedded ICC profile, then strip all metadata.
  return image.timeout({ seconds: limits.timeoutSeconds });
}

function encode(image: Sharp, format: OutputFormat, quality: number): Sharp {
  switch (format) {
    case 'jpeg':
      return image.flatten({ background: '#ffffff' }).jpeg({ quality, mozjpeg: false });
    case 'webp':
      return image.webp({ quality, effort: 3 });
    case 'avif':
      // Effort 2 keeps AVIF within a few times WebP's cost on a Raspberry Pi.
      return image.avif({ quality: Math.max(1, quality - 20), effort: 2 });
    case 'png':
      return image.png({ compressionLevel: 6 });
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

/** Header-only size check, so HEIC decoding (not limited by sharp) refuses bombs too. */
export async function headerPixels(input: string): Promise<number | null> {
  const sharp = await loadSharp();
  const meta = await sharp(input, { limitInputPixels: false }).metadata();
  return meta.width && meta.height ? meta.width * meta.height : null;
}

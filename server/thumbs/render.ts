import type { Sharp } from 'sharp';
import { loadSharp } from '../util/sharp-loader.js';
import type { OutputFormat } from './formats.js';
import type { Orientation } from './orientation.js';
import { cropRegion, type CropSpec, type Kernel } from './transform-params.js';

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
  /** Turned clockwise, then mirrored (`h` left-right, `v` top-bottom), before sizing. */
  rotate?: 0 | 90 | 180 | 270;
  flip?: 'h' | 'v' | null;
  blur?: number | null;
  grayscale?: boolean;
  /** Cut from the upright source (turned by `crop.source` first), before everything else. */
  crop?: CropSpec | null;
  /** Where a crop or a padded picture sits: a sharp position ('left top', 'centre', …). */
  position?: string;
  /** `rrggbbaa` for padding and for what transparency becomes in a JPEG. */
  background?: string | null;
  kernel?: Kernel;
  brighten?: number | null;
  contrast?: number | null;
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
  sharp = await loadSharp();
  if (ops.crop) source = await cropped(source, ops.crop, limits);
  const image = encode(pipeline(source, ops, limits), ops.format, ops.quality, colourOf(ops.background ?? 'ffffffff'));
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Set by render() before any use: loaded on first use (see sharp-loader). */
let sharp: Awaited<ReturnType<typeof loadSharp>>;

function open(source: RenderSource, limits: RenderLimits): Sharp {
  return sharp(source.input, {
    limitInputPixels: limits.maxInputPixels,
    // Lenient with the small faults phones write, strict with files cut short.
    failOn: 'truncated',
    sequentialRead: true,
    ...(source.raw ? { raw: source.raw } : {}),
  });
}

/**
 * A source crop in its own passes: sharp runs its operations in a fixed order whatever the
 * call order, so turning, then cutting, then turning again cannot be one pipeline. Only
 * requests with `crop` pay for this; the region is usually much smaller than the picture.
 */
async function cropped(source: RenderSource, crop: CropSpec, limits: RenderLimits): Promise<RenderSource> {
  let image = open(source, limits);
  if (source.autoOrient) image = image.autoOrient();
  image = orient(image, crop.source);
  const upright = await image.ensureAlpha().raw().timeout({ seconds: limits.timeoutSeconds }).toBuffer({ resolveWithObject: true });
  const region = cropRegion(crop, upright.info.width, upright.info.height);
  const raw = { width: upright.info.width, height: upright.info.height, channels: 4 } as const;
  const cut = await sharp(upright.data, { raw }).extract(region).raw().toBuffer({ resolveWithObject: true });
  return { input: cut.data, raw: { width: cut.info.width, height: cut.info.height, channels: 4 }, autoOrient: false };
}

function orient(image: Sharp, orientation: Orientation): Sharp {
  return turnThenFlip(image, orientation.rotate, orientation.mirror ? 'h' : null);
}

/**
 * Turn, then mirror. sharp mirrors first whatever the call order, and a mirror reverses the
 * sense of a later turn, so the turn it is given is the opposite one.
 */
function turnThenFlip(image: Sharp, rotate: 0 | 90 | 180 | 270, flip: 'h' | 'v' | null): Sharp {
  const turn = flip && rotate ? 360 - rotate : rotate;
  if (turn) image = image.rotate(turn);
  if (flip === 'h') image = image.flop();
  if (flip === 'v') image = image.flip();
  return image;
}

function pipeline(source: RenderSource, ops: RenderOps, limits: RenderLimits): Sharp {
  let image = open(source, limits);
  if (source.autoOrient) image = image.autoOrient();
  image = turnThenFlip(image, ops.rotate ?? 0, ops.flip ?? null);
  if (ops.width !== null || ops.height !== null) {
    // For JPEG input sharp shrinks on load (decodes at 1/2, 1/4, 1/8), the big win for 12 MP photos.
    image = image.resize({
      width: ops.width ?? undefined,
      height: ops.height ?? undefined,
      fit: ops.fit,
      withoutEnlargement: !ops.enlarge,
      background: ops.background ? colourOf(ops.background) : ops.format === 'jpeg' ? '#ffffff' : { r: 0, g: 0, b: 0, alpha: 0 },
      ...(ops.position ? { position: ops.position } : {}),
      ...(ops.kernel ? { kernel: ops.kernel } : {}),
    });
  }
  if (ops.blur) image = image.blur(ops.blur);
  if (ops.contrast || ops.brighten) {
    // The contrast curve of Nano Image Server (the Rust image crate): a gain around mid-grey.
    const gain = ((100 + (ops.contrast ?? 0)) / 100) ** 2;
    image = image.linear(gain, 128 * (1 - gain) + (ops.brighten ?? 0));
  }
  if (ops.grayscale) image = image.grayscale();
  // Default pipeline: convert to sRGB using the embedded ICC profile, then strip all metadata.
  return image.timeout({ seconds: limits.timeoutSeconds });
}

const colourOf = (hex: string) => ({
  r: parseInt(hex.slice(0, 2), 16),
  g: parseInt(hex.slice(2, 4), 16),
  b: parseInt(hex.slice(4, 6), 16),
  alpha: parseInt(hex.slice(6, 8), 16) / 255,
});

function encode(image: Sharp, format: OutputFormat, quality: number, flattenOnto: ReturnType<typeof colourOf>): Sharp {
  switch (format) {
    case 'jpeg':
      return image.flatten({ background: { ...flattenOnto, alpha: 1 } }).jpeg({ quality, mozjpeg: false });
    case 'webp':
      return image.webp({ quality, effort: 3 });
    case 'avif':
      // Effort 2 keeps AVIF within a few times WebP's cost on a Raspberry Pi.
      return image.avif({ quality: Math.max(1, quality - 20), effort: 2 });
    case 'png':
      return image.png({ compressionLevel: 6 });
    case 'gif':
      return image.gif();
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

/** Header-only size check, so HEIC decoding (not limited by sharp) refuses bombs too. */
export async function headerPixels(input: string): Promise<number | null> {
  sharp = await loadSharp();
  const meta = await sharp(input, { limitInputPixels: false }).metadata();
  return meta.width && meta.height ? meta.width * meta.height : null;
}

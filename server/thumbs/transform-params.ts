import { invalidParameter } from '../api/errors.js';
import type { OutputFormat } from './formats.js';
import { compose, fromFlip, fromTurn, type Orientation, type Turn } from './orientation.js';
import { aliasKeys, translateAliases, type SingleParams } from './url-aliases.js';

/**
 * Parameters of `GET /api/media/:id/image`, validated strictly and normalized so that two
 * URLs asking for the same picture share one cache entry. Pure: no I/O.
 *
 * Native names are spis' own plus the RIAPI (ImageResizer / Imageflow) names spis adopts
 * as they are (`maxwidth`, `dpr`, `anchor`, `bgcolor`, `crop`, `srotate`, `sflip`);
 * other servers' spellings are rewritten first (url-aliases.ts).
 */
export type FitMode = 'max' | 'crop' | 'pad' | 'stretch';
export type RequestedFormat = OutputFormat | 'auto';
export type Anchor = (typeof anchors)[number];
export type Kernel = 'nearest' | 'linear' | 'lanczos3';

/** A source region in pixels, cut after `source` turned the upright picture. */
export interface CropSpec {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  source: Orientation;
}

export interface TransformSpec {
  w: number | null;
  h: number | null;
  mode: FitMode;
  format: RequestedFormat;
  quality: number | null;
  /** Turn and mirror of the picture before sizing: `w`, `h` and `anchor` describe the result. */
  orientation: Orientation;
  crop: CropSpec | null;
  /** Which part a crop keeps, or where a padded picture sits. */
  anchor: Anchor;
  /** `rrggbbaa`: padding, and what transparency becomes in a JPEG. */
  background: string | null;
  blur: number | null;
  grayscale: boolean;
  /** Added to every channel, -255…255. */
  brighten: number | null;
  /** Percent, -100…100 (0 leaves the picture as is). */
  contrast: number | null;
  kernel: Kernel;
  upscale: boolean;
}

export interface TransformLimits {
  maxWidth: number;
  maxHeight: number;
}

export type RawParams = Record<string, string | string[] | undefined>;

const modes: readonly FitMode[] = ['max', 'crop', 'pad', 'stretch'];
const formats = ['auto', 'jpeg', 'webp', 'avif', 'png', 'gif', 'jpg'] as const;
export const anchors = ['topleft', 'topcenter', 'topright', 'middleleft', 'middlecenter', 'middleright', 'bottomleft', 'bottomcenter', 'bottomright'] as const;
const flips = ['h', 'v', 'x', 'y', 'xy', 'both', 'none'] as const;
const kernels: Readonly<Record<string, Kernel>> = { nearest: 'nearest', triangle: 'linear', lanczos: 'lanczos3' };
export const transformKeys = [
  'w', 'h', 'maxwidth', 'maxheight', 'dpr', 'mode', 'anchor', 'bgcolor', 'crop', 'format', 'quality',
  'srotate', 'sflip', 'rotate', 'flip', 'blur', 'grayscale', 'brighten', 'contrast', 'resfilter', 'upscale',
] as const;
/**
 * Keys read by others and ignored here: `v` busts caches; `expires` and `sig` belong to the
 * signed-URL check that runs before the transform (see TransformGuard in transform-routes.ts).
 */
export const passThroughKeys = ['v', 'expires', 'sig'] as const;

export function parseTransformParams(raw: RawParams, limits: TransformLimits): TransformSpec {
  const params = translateAliases(singleValues(raw));
  const { w, h } = size(params, limits);
  const bothSides = w !== null && h !== null;
  const mode = oneOf(params, 'mode', modes, 'max');
  const format = oneOf(params, 'format', formats, 'auto');
  const crop = cropOf(params);
  const source = compose(fromTurn(turn(params, 'srotate')), fromFlip(flipOf(params, 'sflip')));
  const own = compose(fromTurn(turn(params, 'rotate')), fromFlip(flipOf(params, 'flip')));
  const fitMode: FitMode = bothSides ? mode : 'max'; // with one side or none, every mode means "scale to that side"
  const anchor = oneOf(params, 'anchor', anchors, 'middlecenter');
  return {
    w,
    h,
    mode: fitMode,
    format: format === 'jpg' ? 'jpeg' : format,
    quality: optionalInt(params, 'quality', 1, 100),
    // Without a crop, turning the source and turning the result are one and the same.
    orientation: crop ? own : compose(source, own),
    crop: crop ? { ...crop, source } : null,
    anchor: fitMode === 'crop' || fitMode === 'pad' ? anchor : 'middlecenter',
    background: colour(params.bgcolor),
    blur: optionalNumber(params, 'blur', 0.3, 100),
    grayscale: flag(params, 'grayscale'),
    brighten: nonZero(optionalSignedInt(params, 'brighten', 255)),
    contrast: nonZero(optionalSignedInt(params, 'contrast', 100)),
    kernel: kernelOf(params.resfilter),
    upscale: flag(params, 'upscale'),
  };
}

/** One string per distinct picture: fixed order, defaults filled in by the caller's resolution. */
export function canonicalTransformKey(spec: TransformSpec & { format: OutputFormat; quality: number }): string {
  const parts = [
    `w${spec.w ?? '-'}`,
    `h${spec.h ?? '-'}`,
    spec.mode,
    spec.format,
    `q${spec.quality}`,
    `r${spec.orientation.rotate}`,
    `f${spec.orientation.mirror ? 'h' : '-'}`,
    `b${spec.blur ?? '-'}`,
    spec.grayscale ? 'g' : '-',
    spec.upscale ? 'u' : '-',
  ];
  // Newer settings only when used, so older keys (and their ETags) stay as they were.
  if (spec.crop) {
    const { x1, y1, x2, y2, source } = spec.crop;
    parts.push(`c${x1},${y1},${x2},${y2}`, `s${source.rotate}${source.mirror ? 'h' : '-'}`);
  }
  if (spec.anchor !== 'middlecenter') parts.push(`a${spec.anchor}`);
  if (spec.background) parts.push(`bg${spec.background}`);
  if (spec.brighten !== null) parts.push(`br${spec.brighten}`);
  if (spec.contrast !== null) parts.push(`ct${spec.contrast}`);
  if (spec.kernel !== 'lanczos3') parts.push(`k${spec.kernel}`);
  return parts.join('_');
}

function singleValues(raw: RawParams): SingleParams {
  const allowed = new Set<string>([...transformKeys, ...aliasKeys, ...passThroughKeys]);
  const out: SingleParams = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!allowed.has(key)) throw invalidParameter(key, `a supported parameter (${transformKeys.join(', ')}, or an alias from the API docs)`, 'an unknown parameter');
    if (Array.isArray(value)) throw invalidParameter(key, 'a single value', `${value.length} values`);
    if (value !== undefined && !(passThroughKeys as readonly string[]).includes(key)) out[key] = value;
  }
  return out;
}

/**
 * `w`/`h`, times `dpr` (for high-density screens), then bounded by `maxwidth`/`maxheight`,
 * which alone act like `w`/`h`. Checked against the limits last, so no combination escapes them.
 */
function size(params: SingleParams, limits: TransformLimits): { w: number | null; h: number | null } {
  let w = optionalInt(params, 'w', 1, limits.maxWidth);
  let h = optionalInt(params, 'h', 1, limits.maxHeight);
  const dpr = optionalNumber(params, 'dpr', 0.1, 10);
  if (dpr !== null) {
    if (w === null && h === null) throw invalidParameter('dpr', 'w or h to multiply', params.dpr);
    w = w === null ? null : Math.max(1, Math.round(w * dpr));
    h = h === null ? null : Math.max(1, Math.round(h * dpr));
    if ((w ?? 0) > limits.maxWidth || (h ?? 0) > limits.maxHeight) {
      throw invalidParameter('dpr', `a factor keeping the size within ${limits.maxWidth}×${limits.maxHeight}`, params.dpr);
    }
  }
  const maxW = optionalInt(params, 'maxwidth', 1, limits.maxWidth);
  const maxH = optionalInt(params, 'maxheight', 1, limits.maxHeight);
  if (maxW !== null) w = w === null ? maxW : Math.min(w, maxW);
  if (maxH !== null) h = h === null ? maxH : Math.min(h, maxH);
  return { w, h };
}

/** RIAPI `crop=x1,y1,x2,y2`: source pixels; negative values and a 0 end count from the far edge. */
function cropOf(params: SingleParams): Omit<CropSpec, 'source'> | null {
  const text = params.crop;
  if (text === undefined) return null;
  const values = text.split(',');
  if (values.length !== 4 || !values.every((value) => /^-?\d{1,6}$/.test(value.trim()))) {
    throw invalidParameter('crop', 'four whole numbers x1,y1,x2,y2', text);
  }
  const [x1, y1, x2, y2] = values.map((value) => Number(value.trim()) || 0) as [number, number, number, number];
  return x1 === 0 && y1 === 0 && x2 === 0 && y2 === 0 ? null : { x1, y1, x2, y2 };
}

/** The region a crop names on a picture of this size, or a 400 when it is empty or outside. */
export function cropRegion(crop: CropSpec, width: number, height: number): { left: number; top: number; width: number; height: number } {
  const edge = (value: number, size: number, end: boolean) => (value < 0 || (end && value === 0) ? size + value : value);
  const left = edge(crop.x1, width, false);
  const top = edge(crop.y1, height, false);
  const right = Math.min(width, edge(crop.x2, width, true));
  const bottom = Math.min(height, edge(crop.y2, height, true));
  if (left < 0 || top < 0 || right - left < 1 || bottom - top < 1) {
    throw invalidParameter('crop', `a region inside the ${width}×${height} picture`, `${crop.x1},${crop.y1},${crop.x2},${crop.y2}`);
  }
  return { left, top, width: right - left, height: bottom - top };
}

const namedColours: Readonly<Record<string, string>> = {
  white: 'ffffffff', black: '000000ff', transparent: '00000000', gray: '808080ff', grey: '808080ff',
  red: 'ff0000ff', green: '008000ff', blue: '0000ffff',
};

/** `bgcolor`: a name, or hex RGB / RGBA / RRGGBB / RRGGBBAA (a leading `#` is allowed). */
function colour(text: string | undefined): string | null {
  if (text === undefined) return null;
  const lower = text.toLowerCase().replace(/^#/, '');
  if (namedColours[lower]) return namedColours[lower];
  if (!/^([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.test(lower)) {
    throw invalidParameter('bgcolor', `a colour name (${Object.keys(namedColours).join(', ')}) or hex RGB, RGBA, RRGGBB or RRGGBBAA`, text);
  }
  const full = lower.length <= 4 ? [...lower].map((digit) => digit + digit).join('') : lower;
  return full.length === 6 ? `${full}ff` : full;
}

function kernelOf(text: string | undefined): Kernel {
  if (text === undefined) return 'lanczos3';
  const kernel = kernels[text];
  if (!kernel) throw invalidParameter('resfilter', `one of ${Object.keys(kernels).join(', ')}`, text);
  return kernel;
}

function optionalInt(params: SingleParams, key: string, min: number, max: number): number | null {
  const text = params[key];
  if (text === undefined) return null;
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw invalidParameter(key, `an integer from ${min} to ${max}`, text);
  }
  return Number(text);
}

function optionalSignedInt(params: SingleParams, key: string, bound: number): number | null {
  const text = params[key];
  if (text === undefined) return null;
  if (!/^-?\d{1,4}$/.test(text) || Math.abs(Number(text)) > bound) throw invalidParameter(key, `an integer from -${bound} to ${bound}`, text);
  return Number(text);
}

const nonZero = (value: number | null) => (value === 0 ? null : value);

function optionalNumber(params: SingleParams, key: string, min: number, max: number): number | null {
  const text = params[key];
  if (text === undefined) return null;
  const value = /^\d{1,4}(\.\d{1,3})?$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw invalidParameter(key, `a number from ${min} to ${max}`, text);
  return value;
}

function oneOf<T extends string>(params: SingleParams, key: string, allowed: readonly T[], fallback: T): T {
  const text = params[key];
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) throw invalidParameter(key, `one of ${allowed.join(', ')}`, text);
  return text as T;
}

function turn(params: SingleParams, key: string): Turn {
  const text = params[key];
  if (text === undefined || text === '0' || text === '360') return 0;
  if (text === '90' || text === '180' || text === '270') return Number(text) as Turn;
  throw invalidParameter(key, '90, 180 or 270', text);
}

/** RIAPI spells flips `x` (left-right), `y` (top-bottom) and `xy`/`both`; spis `h` and `v`. */
function flipOf(params: SingleParams, key: string): 'h' | 'v' | 'both' | null {
  const flip = oneOf(params, key, flips, 'none');
  if (flip === 'h' || flip === 'x') return 'h';
  if (flip === 'v' || flip === 'y') return 'v';
  if (flip === 'xy' || flip === 'both') return 'both';
  return null;
}

/** `grayscale`, `grayscale=1` and `grayscale=true` switch on; `0` / `false` switch off. */
function flag(params: SingleParams, key: string): boolean {
  const text = params[key];
  if (text === undefined || text === '0' || text === 'false') return false;
  if (text === '' || text === '1' || text === 'true') return true;
  throw invalidParameter(key, 'true, false, 1 or 0', text);
}

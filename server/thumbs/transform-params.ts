import { invalidParameter } from '../api/errors.js';
import type { OutputFormat } from './formats.js';

/**
 * Parameters of `GET /api/media/:id/image`, validated strictly and normalized so that two
 * URLs asking for the same picture share one cache entry. Pure: no I/O.
 */
export type FitMode = 'max' | 'crop' | 'pad' | 'stretch';
export type RequestedFormat = OutputFormat | 'auto';

export interface TransformSpec {
  w: number | null;
  h: number | null;
  mode: FitMode;
  format: RequestedFormat;
  quality: number | null;
  rotate: 0 | 90 | 180 | 270;
  flip: 'h' | 'v' | null;
  blur: number | null;
  grayscale: boolean;
  upscale: boolean;
}

export interface TransformLimits {
  maxWidth: number;
  maxHeight: number;
}

export type RawParams = Record<string, string | string[] | undefined>;

const modes: readonly FitMode[] = ['max', 'crop', 'pad', 'stretch'];
const formats: readonly RequestedFormat[] = ['auto', 'jpeg', 'webp', 'avif', 'png'];
export const transformKeys = ['w', 'h', 'mode', 'format', 'quality', 'rotate', 'flip', 'blur', 'grayscale', 'upscale'] as const;
/**
 * Keys read by others and ignored here: `v` busts caches; `expires` and `sig` belong to the
 * signed-URL check that runs before the transform (see TransformGuard in transform-routes.ts).
 */
export const passThroughKeys = ['v', 'expires', 'sig'] as const;

export function parseTransformParams(raw: RawParams, limits: TransformLimits): TransformSpec {
  const params = singleValues(raw);
  const w = optionalInt(params, 'w', 1, limits.maxWidth);
  const h = optionalInt(params, 'h', 1, limits.maxHeight);
  const mode = oneOf(params, 'mode', modes, 'max');
  const spec: TransformSpec = {
    w,
    h,
    // With one side or none given, every mode means "scale to that side": one key for all.
    mode: w !== null && h !== null ? mode : 'max',
    format: oneOf(params, 'format', formats, 'auto'),
    quality: optionalInt(params, 'quality', 1, 100),
    rotate: rotation(params.rotate),
    flip: params.flip === undefined ? null : oneOf(params, 'flip', ['h', 'v'] as const, 'h'),
    blur: optionalNumber(params, 'blur', 0.3, 100),
    grayscale: flag(params, 'grayscale'),
    upscale: flag(params, 'upscale'),
  };
  return spec;
}

/** One string per distinct picture: fixed order, defaults filled in by the caller's resolution. */
export function canonicalTransformKey(spec: TransformSpec & { format: OutputFormat; quality: number }): string {
  return [
    `w${spec.w ?? '-'}`,
    `h${spec.h ?? '-'}`,
    spec.mode,
    spec.format,
    `q${spec.quality}`,
    `r${spec.rotate}`,
    `f${spec.flip ?? '-'}`,
    `b${spec.blur ?? '-'}`,
    spec.grayscale ? 'g' : '-',
    spec.upscale ? 'u' : '-',
  ].join('_');
}

function singleValues(raw: RawParams): Record<string, string> {
  const allowed = new Set<string>([...transformKeys, ...passThroughKeys]);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!allowed.has(key)) throw invalidParameter(key, `one of ${transformKeys.join(', ')}`, 'an unknown parameter');
    if (Array.isArray(value)) throw invalidParameter(key, 'a single value', `${value.length} values`);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function optionalInt(params: Record<string, string>, key: string, min: number, max: number): number | null {
  const text = params[key];
  if (text === undefined) return null;
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw invalidParameter(key, `an integer from ${min} to ${max}`, text);
  }
  return Number(text);
}

function optionalNumber(params: Record<string, string>, key: string, min: number, max: number): number | null {
  const text = params[key];
  if (text === undefined) return null;
  const value = /^\d{1,4}(\.\d{1,3})?$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw invalidParameter(key, `a number from ${min} to ${max}`, text);
  return value;
}

function oneOf<T extends string>(params: Record<string, string>, key: string, allowed: readonly T[], fallback: T): T {
  const text = params[key];
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) throw invalidParameter(key, `one of ${allowed.join(', ')}`, text);
  return text as T;
}

function rotation(text: string | undefined): TransformSpec['rotate'] {
  if (text === undefined || text === '0') return 0;
  if (text === '90' || text === '180' || text === '270') return Number(text) as 90 | 180 | 270;
  throw invalidParameter('rotate', '90, 180 or 270', text);
}

/** `grayscale`, `grayscale=1` and `grayscale=true` switch on; `0` / `false` switch off. */
function flag(params: Record<string, string>, key: string): boolean {
  const text = params[key];
  if (text === undefined || text === '0' || text === 'false') return false;
  if (text === '' || text === '1' || text === 'true') return true;
  throw invalidParameter(key, 'true, false, 1 or 0', text);
}

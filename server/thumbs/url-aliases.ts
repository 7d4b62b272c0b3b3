import { invalidParameter } from '../api/errors.js';

/**
 * Other image servers' query names, rewritten into spis' own before parsing, so URLs written
 * for ImageResizer / Imageflow (RIAPI) or Nano Image Server work unchanged and share the
 * cache entry of the native URL that means the same picture. Pure.
 *
 * Only names and values are translated here; ranges are checked by the parser, which then
 * reports the native name (`w: expected an integer…` for a bad `width`).
 */
export type SingleParams = Record<string, string>;

/** RIAPI names that are other words for a native key. */
const renamed: Readonly<Record<string, string>> = {
  width: 'w',
  height: 'h',
  zoom: 'dpr',
  to: 'format',
};

/** RIAPI `scale`: `down` never enlarges (the default), `both` may. */
const scaleValues: Readonly<Record<string, string>> = { down: 'false', both: 'true' };

/** Nano Image Server `filter`: which native key it sets, and whether it takes `f_param`. */
const nanoFilters: Readonly<Record<string, { key: string; param: boolean }>> = {
  blur: { key: 'blur', param: true },
  brighten: { key: 'brighten', param: true },
  contrast: { key: 'contrast', param: true },
  bw: { key: 'grayscale', param: false },
};

/** Nano Image Server `transform`: `rotate` takes its angle from `t_param`. */
const nanoTransforms: Readonly<Record<string, { key: string; value: string | null }>> = {
  fliph: { key: 'flip', value: 'h' },
  flipv: { key: 'flip', value: 'v' },
  rotate: { key: 'rotate', value: null },
};

export const aliasKeys = [...Object.keys(renamed), 'scale', 'filter', 'f_param', 'transform', 't_param'] as const;

/** Returns the same parameters under native names; two names for one key are a 400. */
export function translateAliases(params: SingleParams): SingleParams {
  const out: SingleParams = {};
  const from: Record<string, string> = {};
  const set = (key: string, value: string, source: string) => {
    if (key in out) throw invalidParameter(source, `not to be combined with ${from[key]}`, value);
    out[key] = value;
    from[key] = source;
  };
  for (const [key, value] of Object.entries(params)) {
    if (key === 'f_param' || key === 't_param') continue; // read with their filter / transform
    if (key in renamed) set(renamed[key]!, value, key);
    else if (key === 'scale') set('upscale', scaleValue(value), key);
    else if (key === 'filter') nanoFilter(value, params.f_param, set);
    else if (key === 'transform') nanoTransform(value, params.t_param, set);
    else set(key, value, key);
  }
  if (params.f_param !== undefined && params.filter === undefined) throw invalidParameter('f_param', 'a filter to go with it', params.f_param);
  if (params.t_param !== undefined && params.transform === undefined) throw invalidParameter('t_param', 'transform=rotate to go with it', params.t_param);
  return out;
}

type Setter = (key: string, value: string, source: string) => void;

function scaleValue(value: string): string {
  const mapped = scaleValues[value];
  if (mapped === undefined) throw invalidParameter('scale', 'down or both', value);
  return mapped;
}

function nanoFilter(name: string, param: string | undefined, set: Setter): void {
  const filter = nanoFilters[name];
  if (!filter) throw invalidParameter('filter', `one of ${Object.keys(nanoFilters).join(', ')}`, name);
  if (filter.param && param === undefined) throw invalidParameter('f_param', `a value for filter=${name}`, '');
  if (!filter.param && param !== undefined) throw invalidParameter('f_param', `nothing with filter=${name}`, param);
  set(filter.key, filter.param ? param! : 'true', 'filter');
}

function nanoTransform(name: string, param: string | undefined, set: Setter): void {
  const transform = nanoTransforms[name];
  if (!transform) throw invalidParameter('transform', `one of ${Object.keys(nanoTransforms).join(', ')}`, name);
  if (transform.value === null && param === undefined) throw invalidParameter('t_param', '90, 180 or 270 with transform=rotate', '');
  if (transform.value !== null && param !== undefined) throw invalidParameter('t_param', `nothing with transform=${name}`, param);
  set(transform.key, transform.value ?? param!, 'transform');
}

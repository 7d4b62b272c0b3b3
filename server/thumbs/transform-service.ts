import type { MediaRecord } from '../media/record.js';
import type { Limiter } from '../util/limiter.js';
import type { FormatPolicy, OutputFormat } from './formats.js';
import { SharedCache } from './memory-cache.js';
import { negotiateFormat } from './negotiate.js';
import { render, type RenderLimits, type RenderOps, type Rendered, type RenderSource } from './render.js';
import { toMediaError } from './render-errors.js';
import { loadSource, type SourceOptions } from './source.js';
import type { RenderObserver } from './thumb-service.js';
import { canonicalTransformKey, type Anchor, type FitMode, type TransformLimits, type TransformSpec } from './transform-params.js';

export type ResolvedSpec = TransformSpec & { format: OutputFormat; quality: number };

export interface TransformServiceOptions {
  limiter: Limiter;
  source: SourceOptions;
  policy: FormatPolicy;
  quality: number;
  cacheBytes: number;
  limits: RenderLimits & TransformLimits;
}

const fitOf: Readonly<Record<FitMode, RenderOps['fit']>> = { max: 'inside', crop: 'cover', pad: 'contain', stretch: 'fill' };
const positionOf: Readonly<Record<Anchor, string>> = {
  topleft: 'left top',
  topcenter: 'top',
  topright: 'right top',
  middleleft: 'left',
  middlecenter: 'centre',
  middleright: 'right',
  bottomleft: 'left bottom',
  bottomcenter: 'bottom',
  bottomright: 'right bottom',
};

/** On-the-fly transforms with a byte-bounded cache keyed by item version + canonical spec. */
export class TransformService {
  renders = 0;
  /** Set by the composition root, like ThumbService.onRendered. */
  onRendered: RenderObserver | null = null;
  readonly cache: SharedCache;

  constructor(private readonly options: TransformServiceOptions) {
    this.cache = new SharedCache(options.cacheBytes);
  }

  /** Fills in what the request left open: the format from `Accept`, the default quality. */
  resolve(spec: TransformSpec, accept: string | undefined): ResolvedSpec {
    return resolveSpec(spec, accept, this.options);
  }

  static cacheKey(record: MediaRecord, spec: ResolvedSpec): string {
    return `${record.id}/${record.version}/${canonicalTransformKey(spec)}`;
  }

  get(record: MediaRecord, spec: ResolvedSpec): Promise<Buffer> {
    return this.cache.get(TransformService.cacheKey(record, spec), () =>
      this.options.limiter.run(async () => {
        this.renders++;
        const started = performance.now();
        const source = await loadSource(record, this.options.source).catch((error: unknown) => {
          throw toMediaError(error, this.options.limits.maxInputPixels, pixelsOf(record));
        });
        const { data } = await renderTransform(source, spec, this.options.limits, pixelsOf(record));
        this.onRendered?.('transform', record.type, (performance.now() - started) / 1000);
        return data;
      }, true),
    );
  }
}

export function resolveSpec(spec: TransformSpec, accept: string | undefined, defaults: { policy: FormatPolicy; quality: number }): ResolvedSpec {
  const format = spec.format === 'auto' ? negotiateFormat(accept, defaults.policy) : spec.format;
  return { ...spec, format, quality: spec.quality ?? defaults.quality };
}

/**
 * The render of a transform, shared by the HTTP routes (through the cache) and `spis process`,
 * so both write the same bytes for the same parameters.
 */
export async function renderTransform(source: RenderSource, spec: ResolvedSpec, limits: RenderLimits & TransformLimits, pixels: number | null): Promise<Rendered> {
  try {
    return await render(source, renderOps(spec, limits), limits);
  } catch (error) {
    throw toMediaError(error, limits.maxInputPixels, pixels);
  }
}

/**
 * A missing side is bounded by the configured maximum, so the output can never exceed the
 * limits even with `upscale` on a very narrow or very tall picture.
 */
export function renderOps(spec: ResolvedSpec, limits: TransformLimits): RenderOps {
  return {
    width: spec.w ?? limits.maxWidth,
    height: spec.h ?? limits.maxHeight,
    fit: fitOf[spec.mode],
    enlarge: spec.upscale,
    format: spec.format,
    quality: spec.quality,
    rotate: spec.orientation.rotate,
    flip: spec.orientation.mirror ? 'h' : null,
    blur: spec.blur,
    grayscale: spec.grayscale,
    crop: spec.crop,
    position: positionOf[spec.anchor],
    background: spec.background,
    kernel: spec.kernel,
    brighten: spec.brighten,
    contrast: spec.contrast,
  };
}

const pixelsOf = (record: MediaRecord) => (record.width && record.height ? record.width * record.height : null);

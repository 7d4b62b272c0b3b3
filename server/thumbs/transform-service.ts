import type { MediaRecord } from '../media/record.js';
import type { Limiter } from '../util/limiter.js';
import type { FormatPolicy, OutputFormat } from './formats.js';
import { SharedCache } from './memory-cache.js';
import { negotiateFormat } from './negotiate.js';
import { render, type RenderLimits, type RenderOps } from './render.js';
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
    const format = spec.format === 'auto' ? negotiateFormat(accept, this.options.policy) : spec.format;
    return { ...spec, format, quality: spec.quality ?? this.options.quality };
  }

  static cacheKey(record: MediaRecord, spec: ResolvedSpec): string {
    return `${record.id}/${record.version}/${canonicalTransformKey(spec)}`;
  }

  get(record: MediaRecord, spec: ResolvedSpec): Promise<Buffer> {
    return this.cache.get(TransformService.cacheKey(record, spec), () =>
      this.options.limiter.run(async () => {
        this.renders++;
        const started = performance.now();
        try {
          const source = await loadSource(record, this.options.source);
          const { data } = await render(source, renderOps(spec, this.options.limits), this.options.limits);
          this.onRendered?.('transform', record.type, (performance.now() - started) / 1000);
          return data;
        } catch (error) {
          throw toMediaError(error, this.options.limits.maxInputPixels, pixelsOf(record));
        }
      }, true),
    );
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

import { loadSharp } from '../util/sharp-loader.js';
import { AppError, invalidParameter } from '../api/errors.js';
import type { MediaRecord } from '../media/record.js';
import { mimeOf } from './formats.js';
import { parseNamedOutput } from './named-output.js';
import { parseTransformParams, type RawParams, type TransformLimits, type TransformSpec } from './transform-params.js';
import type { ResolvedSpec, TransformService } from './transform-service.js';

/**
 * Several renditions of one item in one call (`POST /api/media/:id/outputs`, and uploads
 * that ask for `?outputs=`): each output is an image-server name (`w300.jpg`,
 * `300x200-q50.avif`) or a transform query (`w=300&format=webp`). All are checked before
 * any is rendered, so a bad or oversized entry costs nothing; they render through the
 * transform cache, so the URLs returned are served from memory right after.
 */
export interface BatchLimits extends TransformLimits {
  maxOutputs: number;
  /** Sum of the expected output pixels of one batch. */
  maxPixels: number;
}

/** The batch bounds from the `transforms` configuration (for the route and for uploads). */
export function batchLimitsOf(transforms: TransformLimits & { maxBatchOutputs: number; maxBatchPixels: number }): BatchLimits {
  return { maxWidth: transforms.maxWidth, maxHeight: transforms.maxHeight, maxOutputs: transforms.maxBatchOutputs, maxPixels: transforms.maxBatchPixels };
}

export interface BatchOutput {
  name: string;
  url: string;
  type: string;
  width: number;
  height: number;
  size: number;
}

export interface PlannedOutput {
  name: string;
  /** The route path (after `/api/media/:id`) that serves the same picture. */
  route: string;
  spec: ResolvedSpec;
}

/** Validates every entry and the batch bounds; no rendering. */
export function planOutputs(record: MediaRecord, entries: unknown, transforms: Pick<TransformService, 'resolve'>, limits: BatchLimits): PlannedOutput[] {
  if (!Array.isArray(entries) || entries.length === 0) throw invalidParameter('outputs', 'a non-empty list of output names', describe(entries));
  if (entries.length > limits.maxOutputs) throw invalidParameter('outputs', `at most ${limits.maxOutputs} outputs`, entries.length);
  let pixels = 0;
  const planned = entries.map((entry, index) => {
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > 200) {
      throw invalidParameter(`outputs[${index}]`, 'an output name such as w300.jpg or a query such as w=300&format=webp', describe(entry));
    }
    const { raw, route } = outputParams(entry, index);
    const parsed = parseTransformParams(raw, limits);
    if (parsed.format === 'auto') throw invalidParameter(`outputs[${index}]`, 'a format (format=jpeg, webp, avif, png or gif)', entry);
    pixels += expectedPixels(parsed, record, limits);
    return { name: entry, route, spec: transforms.resolve(parsed, undefined) };
  });
  if (pixels > limits.maxPixels) {
    throw new AppError('payload_too_large', `these outputs add up to ${(pixels / 1e6).toFixed(1)} megapixels; one request may render at most ${(limits.maxPixels / 1e6).toFixed(1)}`);
  }
  return planned;
}

/** Renders planned outputs one after another (the render limiter bounds the CPU anyway). */
export async function renderOutputs(record: MediaRecord, planned: PlannedOutput[], transforms: Pick<TransformService, 'get'>): Promise<BatchOutput[]> {
  const results: BatchOutput[] = [];
  for (const output of planned) {
    const data = await transforms.get(record, output.spec);
    const meta = await (await loadSharp())(data).metadata();
    const join = output.route.includes('?') ? '&' : '?';
    results.push({
      name: output.name,
      url: `/api/media/${record.id}/${output.route}${join}v=${record.version}`,
      type: mimeOf[output.spec.format],
      width: meta.width ?? 0,
      height: meta.pageHeight ?? meta.height ?? 0,
      size: data.length,
    });
  }
  return results;
}

function outputParams(entry: string, index: number): { raw: RawParams; route: string } {
  if (entry.includes('=')) {
    const search = new URLSearchParams(entry);
    const raw: RawParams = {};
    for (const key of new Set(search.keys())) {
      const values = search.getAll(key);
      raw[key] = values.length === 1 ? values[0] : values;
    }
    if ('v' in raw || 'sig' in raw || 'expires' in raw) throw invalidParameter(`outputs[${index}]`, 'transform parameters only (no v, sig or expires)', entry);
    return { raw, route: `image?${search.toString()}` };
  }
  const named = parseNamedOutput(entry);
  if (!named) throw invalidParameter(`outputs[${index}]`, 'an output name such as w300.jpg, x200.webp or 300x200-q50.avif', entry);
  return { raw: named, route: entry };
}

/**
 * The size the render will have, from the item's display size: the same arithmetic as the
 * fit modes, so the pixel budget is not spent on outputs that could never be that large.
 * Unknown sizes count as the largest output allowed.
 */
export function expectedPixels(spec: TransformSpec, record: Pick<MediaRecord, 'width' | 'height'>, limits: TransformLimits): number {
  const boxW = spec.w ?? limits.maxWidth;
  const boxH = spec.h ?? limits.maxHeight;
  if (spec.mode !== 'max' || !record.width || !record.height) return boxW * boxH;
  const swap = spec.orientation.rotate % 180 !== 0;
  const [width, height] = swap ? [record.height, record.width] : [record.width, record.height];
  let scale = Math.min(boxW / width, boxH / height);
  if (!spec.upscale) scale = Math.min(1, scale);
  return Math.round(width * scale) * Math.round(height * scale);
}

const describe = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)?.slice(0, 60) ?? String(value));

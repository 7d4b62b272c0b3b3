import { AppError, invalidParameter } from '../api/errors.js';
import type { MediaRecord } from '../media/record.js';
import { parseNamedOutput } from '../thumbs/named-output.js';
import {
  parseTransformParams,
  type TransformLimits,
  type TransformSpec,
} from '../thumbs/transform-params.js';
import type { TransformService } from '../thumbs/transform-service.js';

const MAX_OUTPUTS = 10;

/**
 * `?outputs=w300.jpg,x200.webp`: named outputs rendered before an upload is answered, so the
 * first viewer gets them from the cache. Parsed before the body is read, so a bad name costs
 * the client nothing but a 400.
 */
export function parseOutputs(
  raw: unknown,
  limits: TransformLimits,
): Array<{ name: string; spec: TransformSpec }> {
  if (raw === undefined || raw === '') return [];
  if (typeof raw !== 'string')
    throw invalidParameter('outputs', 'one comma-separated list', String(raw));
  const names = [
    ...new Set(
      raw
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
  if (names.length > MAX_OUTPUTS)
    throw invalidParameter('outputs', `at most ${MAX_OUTPUTS} names`, raw);
  return names.map((name) => {
    const params = parseNamedOutput(name);
    if (!params)
      throw invalidParameter(
        'outputs',
        'names such as w300.jpg, x200.webp or 300x200-q50.jpg',
        name,
      );
    return { name, spec: parseTransformParams(params, limits) };
  });
}

/**
 * Renders each output into the transform cache (the same key `GET /api/media/:id/:output`
 * reads) and returns name → URL. A render failing (a video without poster tools) is a 422.
 */
export async function renderOutputs(
  record: MediaRecord,
  outputs: ReadonlyArray<{ name: string; spec: TransformSpec }>,
  transforms: TransformService,
): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  await Promise.all(
    outputs.map(async ({ name, spec }) => {
      try {
        await transforms.get(record, transforms.resolve(spec, undefined));
      } catch (error) {
        throw new AppError(
          'unprocessable_media',
          `output ${name} could not be rendered: ${(error as Error).message}`,
        );
      }
      urls[name] = `/api/media/${record.id}/${name}?v=${record.version}`;
    }),
  );
  return urls;
}

import { invalidParameter } from '../api/errors.js';
import type { MediaRecord } from '../media/record.js';
import {
  planOutputs,
  renderOutputs as renderBatch,
  type BatchLimits,
} from '../thumbs/batch-outputs.js';
import { parseNamedOutput } from '../thumbs/named-output.js';
import type { TransformService } from '../thumbs/transform-service.js';

/**
 * `?outputs=w300.jpg,x200.webp`: named outputs rendered before an upload is answered, so the
 * first viewer gets them from the cache. The names are checked before the body is read, so a
 * bad one costs the client nothing but a 400; the batch bounds of `POST /outputs` apply.
 */
export function parseOutputs(raw: unknown, limits: BatchLimits): string[] {
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
  if (names.length > limits.maxOutputs)
    throw invalidParameter('outputs', `at most ${limits.maxOutputs} names`, raw);
  for (const name of names) {
    if (!parseNamedOutput(name))
      throw invalidParameter(
        'outputs',
        'names such as w300.jpg, x200.webp or 300x200-q50.jpg',
        name,
      );
  }
  return names;
}

/** Renders the outputs through the batch path (the cache `GET /api/media/:id/:output` reads); name → URL. */
export async function renderOutputs(
  record: MediaRecord,
  names: string[],
  transforms: TransformService,
  limits: BatchLimits,
): Promise<Record<string, string>> {
  const rendered = await renderBatch(
    record,
    planOutputs(record, names, transforms, limits),
    transforms,
  );
  return Object.fromEntries(rendered.map((output) => [output.name, output.url]));
}

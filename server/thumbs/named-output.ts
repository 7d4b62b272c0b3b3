import type { RawParams } from './transform-params.js';

/**
 * Image-server style output names mapped onto transform parameters. Pure:
 *   w200.jpg          width 200, aspect kept
 *   h200.jpg          height 200, aspect kept
 *   x200.webp         200×200 square crop
 *   300x200.jpg       exactly 300×200, cropped to fill
 *   300x200-q50.webp  the same at quality 50 (the `-qN` suffix works on every form)
 * Returns null when the name is not an output name at all (the route answers 404).
 * Range checks are left to the transform parser, so `w0.jpg` gets the same 400 as `?w=0`.
 */
const pattern = /^(?:(w|h|x)(\d{1,9})|(\d{1,9})x(\d{1,9}))(?:-q(\d{1,9}))?\.(jpg|jpeg|webp|avif|png)$/;

const formatOfExtension: Readonly<Record<string, string>> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  webp: 'webp',
  avif: 'avif',
  png: 'png',
};

export function parseNamedOutput(name: string): RawParams | null {
  const match = pattern.exec(name);
  if (!match) return null;
  const [, side, size, width, height, quality, extension = ''] = match;
  const params: RawParams = { format: formatOfExtension[extension] };
  if (side === 'w') params.w = size;
  else if (side === 'h') params.h = size;
  else if (side === 'x') Object.assign(params, { w: size, h: size, mode: 'crop' });
  else Object.assign(params, { w: width, h: height, mode: 'crop' });
  if (quality !== undefined) params.quality = quality;
  return params;
}

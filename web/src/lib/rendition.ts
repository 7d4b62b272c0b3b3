import type { ApiItem } from '../../../server/shared/api-types.js';

/** Longest side of the two renditions the server makes (server/thumbs/formats.ts). */
export const SMALL_BOX = 400;
export const LARGE_BOX = 2048;

/** Width of a rendition that fits `box`×`box`, so srcset tells the browser the truth. */
export function fittedWidth(item: Pick<ApiItem, 'width' | 'height'>, box: number): number {
  const w = item.width ?? box;
  const hgt = item.height ?? box;
  return Math.max(1, Math.round(w * Math.min(1, box / Math.max(w, hgt))));
}

/**
 * `srcset` and `sizes` for a picture shown whole on the screen (object-fit: contain): it is
 * as wide as the viewport, or narrower when the viewport is wider than the picture's shape,
 * so a phone at 412 CSS px and DPR 1.75 gets the ~720 px it needs, not more than it shows.
 */
export function renditionSources(
  item: Pick<ApiItem, 'width' | 'height'>,
  smallUrl: string,
  largeUrl: string,
): { srcset: string; sizes: string } {
  const small = fittedWidth(item, SMALL_BOX);
  const large = fittedWidth(item, LARGE_BOX);
  const srcset =
    large > small ? `${smallUrl} ${small}w, ${largeUrl} ${large}w` : `${smallUrl} ${small}w`;
  const aspect = item.width && item.height ? item.width / item.height : 1;
  return { srcset, sizes: `min(100vw, ${Math.round(aspect * 1000) / 10}vh)` };
}

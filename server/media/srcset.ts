/**
 * `thumbs.srcset` of an item: widths for an `<img srcset>` that a browser (the web app or a
 * third-party page) picks from by its layout and screen density. Each URL asks for a width
 * through `/image` with the format left to `Accept`, so every browser gets the best format
 * it decodes. Widths stop at the picture's own: a larger one would only repeat it. Pure.
 */
export const srcsetWidths = [320, 640, 960, 1280, 1920, 2560] as const;

export function srcsetOf(base: string, version: string, width: number | null): string {
  if (!width) return '';
  const widths: number[] = srcsetWidths.filter((candidate) => candidate < width);
  if (width <= srcsetWidths[srcsetWidths.length - 1]!) widths.push(width);
  return widths.map((w) => `${base}/image?w=${w}&v=${version} ${w}w`).join(', ');
}

import { thumbHashToApproximateAspectRatio } from 'thumbhash';

/**
 * ThumbHash decoding (the `thumbhash` package's algorithm, same formulas) at a chosen size and
 * with its cosines computed once per column and row instead of once per pixel. The package
 * always renders 32 px and spends most of its time in `Math.cos`; a tile's blurred preview is
 * scaled up and smoothed by the browser anyway, so 16 px look the same for a quarter of the
 * pixels, and a phone decodes a screenful between two frames.
 */
export function thumbHashToRGBA(
  hash: Uint8Array,
  maxSide = 32,
): { w: number; h: number; rgba: Uint8Array } {
  const { PI, min, max, cos, round } = Math;
  const header24 = hash[0]! | (hash[1]! << 8) | (hash[2]! << 16);
  const header16 = hash[3]! | (hash[4]! << 8);
  const lDc = (header24 & 63) / 63;
  const pDc = ((header24 >> 6) & 63) / 31.5 - 1;
  const qDc = ((header24 >> 12) & 63) / 31.5 - 1;
  const lScale = ((header24 >> 18) & 31) / 31;
  const hasAlpha = header24 >> 23;
  const pScale = ((header16 >> 3) & 63) / 63;
  const qScale = ((header16 >> 9) & 63) / 63;
  const isLandscape = header16 >> 15;
  const lx = max(3, isLandscape ? (hasAlpha ? 5 : 7) : header16 & 7);
  const ly = max(3, isLandscape ? header16 & 7 : hasAlpha ? 5 : 7);
  const aDc = hasAlpha ? (hash[5]! & 15) / 15 : 1;
  const aScale = (hash[5]! >> 4) / 15;

  // The varying factors (saturation boosted by 1.25 to make up for quantization).
  const acStart = hasAlpha ? 6 : 5;
  let acIndex = 0;
  const decodeChannel = (nx: number, ny: number, scale: number): number[] => {
    const ac: number[] = [];
    for (let cy = 0; cy < ny; cy++)
      for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++)
        ac.push(
          (((hash[acStart + (acIndex >> 1)]! >> ((acIndex++ & 1) << 2)) & 15) / 7.5 - 1) * scale,
        );
    return ac;
  };
  const lAc = decodeChannel(lx, ly, lScale);
  const pAc = decodeChannel(3, 3, pScale * 1.25);
  const qAc = decodeChannel(3, 3, qScale * 1.25);
  const aAc = hasAlpha ? decodeChannel(5, 5, aScale) : [];

  const ratio = thumbHashToApproximateAspectRatio(hash);
  const w = round(ratio > 1 ? maxSide : maxSide * ratio);
  const h = round(ratio > 1 ? maxSide / ratio : maxSide);
  const nx = max(lx, hasAlpha ? 5 : 3);
  const ny = max(ly, hasAlpha ? 5 : 3);
  const fxs = new Float64Array(w * nx);
  for (let x = 0; x < w; x++)
    for (let cx = 0; cx < nx; cx++) fxs[x * nx + cx] = cos((PI / w) * (x + 0.5) * cx);
  const fys = new Float64Array(h * ny);
  for (let y = 0; y < h; y++)
    for (let cy = 0; cy < ny; cy++) fys[y * ny + cy] = cos((PI / h) * (y + 0.5) * cy);

  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0, i = 0; y < h; y++) {
    const fy = y * ny;
    for (let x = 0; x < w; x++, i += 4) {
      const fx = x * nx;
      let l = lDc;
      let p = pDc;
      let q = qDc;
      let a = aDc;
      for (let cy = 0, j = 0; cy < ly; cy++)
        for (let cx = cy ? 0 : 1, fy2 = fys[fy + cy]! * 2; cx * ly < lx * (ly - cy); cx++, j++)
          l += lAc[j]! * fxs[fx + cx]! * fy2;
      for (let cy = 0, j = 0; cy < 3; cy++) {
        for (let cx = cy ? 0 : 1, fy2 = fys[fy + cy]! * 2; cx < 3 - cy; cx++, j++) {
          const f = fxs[fx + cx]! * fy2;
          p += pAc[j]! * f;
          q += qAc[j]! * f;
        }
      }
      if (hasAlpha)
        for (let cy = 0, j = 0; cy < 5; cy++)
          for (let cx = cy ? 0 : 1, fy2 = fys[fy + cy]! * 2; cx < 5 - cy; cx++, j++)
            a += aAc[j]! * fxs[fx + cx]! * fy2;
      const b = l - (2 / 3) * p;
      const r = (3 * l - b + q) / 2;
      const g = r - q;
      rgba[i] = max(0, 255 * min(1, r));
      rgba[i + 1] = max(0, 255 * min(1, g));
      rgba[i + 2] = max(0, 255 * min(1, b));
      rgba[i + 3] = max(0, 255 * min(1, a));
    }
  }
  return { w, h, rgba };
}

import { loadSharp } from '../util/sharp-loader.js';
import { rgbaToThumbHash } from 'thumbhash';

/**
 * ThumbHash keeps at most 7 frequencies per axis, so 32 pixels say as much as 100 and cost
 * a tenth of the (pure JavaScript) encoding time.
 */
const PREVIEW_BOX = 32;

/** A ~25-byte blurred placeholder (ThumbHash, base64) from an already small encoded render. */
export async function computeThumbhash(image: Buffer): Promise<string> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(image)
    .resize(PREVIEW_BOX, PREVIEW_BOX, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}

import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

/** A ~25-byte blurred placeholder (ThumbHash, base64) made from an already small render. */
export async function computeThumbhash(image: Buffer): Promise<string> {
  const { data, info } = await sharp(image)
    .resize(100, 100, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}

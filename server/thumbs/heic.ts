import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * HEIC/HEIF decoding through libheif compiled to WebAssembly (heic-decode): the prebuilt
 * sharp reads HEIF headers but has no HEVC decoder. libheif applies the container's
 * rotation/mirror boxes itself, so the pixels come out upright.
 */
interface DecodedImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}
type HeicDecode = (input: { buffer: Buffer }) => Promise<DecodedImage>;

let decoder: HeicDecode | null = null;

export async function decodeHeic(absPath: string): Promise<{ pixels: Buffer; width: number; height: number }> {
  decoder ??= createRequire(import.meta.url)('heic-decode') as HeicDecode;
  const image = await decoder({ buffer: await readFile(absPath) });
  return {
    pixels: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    width: image.width,
    height: image.height,
  };
}

export const isHeif = (mime: string) => mime === 'image/heic' || mime === 'image/heif';

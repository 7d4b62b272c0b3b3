import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { run } from './media.js';

/**
 * Fixtures and comparisons for thumbnail tests: an asymmetric picture whose every rotation
 * and mirror looks different, stored under each EXIF orientation; a perceptual difference
 * hash (dHash); and pathological files.
 */

/** Each row has its own wave frequency, so flips, rotations and transposes all differ. */
export async function uprightPicture(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  const radius = 0.22 * Math.min(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const wave = Math.sin(2 * Math.PI * (x / width) * (0.6 + (1.4 * y) / height) + y / height);
      const ramp = (x / width) ** 2 + (0.5 * y) / height;
      // A dark disk near the top-left corner breaks the remaining symmetry (180° turns).
      const disk = Math.hypot(x - 0.25 * width, y - 0.3 * height) < radius ? -90 : 0;
      const value = Math.max(0, Math.round(120 + 60 * wave + 60 * ramp + disk));
      const at = (y * width + x) * 3;
      pixels[at] = value;
      pixels[at + 1] = Math.round(255 * (y / height));
      pixels[at + 2] = 255 - value;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/**
 * The stored pixels that, shown with EXIF `orientation`, give `upright`: the inverse of the
 * transform the orientation asks a viewer to apply. One operation per sharp pipeline, so
 * the order of rotate and mirror is unambiguous.
 */
export async function storedForOrientation(upright: Buffer, orientation: number, quality = 92): Promise<Buffer> {
  const step = (input: Buffer, op: (image: Sharp) => Sharp) => op(sharp(input)).png().toBuffer();
  let pixels = upright;
  switch (orientation) {
    case 2: pixels = await step(pixels, (i) => i.flop()); break;
    case 3: pixels = await step(pixels, (i) => i.rotate(180)); break;
    case 4: pixels = await step(pixels, (i) => i.flip()); break;
    case 5: pixels = await step(await step(pixels, (i) => i.rotate(90)), (i) => i.flop()); break; // transpose
    case 6: pixels = await step(pixels, (i) => i.rotate(270)); break;
    case 7: pixels = await step(await step(pixels, (i) => i.rotate(90)), (i) => i.flip()); break; // transverse
    case 8: pixels = await step(pixels, (i) => i.rotate(90)); break;
    default: break;
  }
  return sharp(pixels).jpeg({ quality }).withMetadata({ orientation }).toBuffer();
}

/** 64-bit difference hash of a 9×8 greyscale reduction. */
export async function dHash(image: Buffer): Promise<bigint> {
  const { data } = await sharp(image).greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  let hash = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) hash = (hash << 1n) | (data[y * 9 + x]! < data[y * 9 + x + 1]! ? 1n : 0n);
  }
  return hash;
}

export function hammingDistance(a: bigint, b: bigint): number {
  let diff = a ^ b;
  let count = 0;
  while (diff) {
    count += Number(diff & 1n);
    diff >>= 1n;
  }
  return count;
}

/** A valid PNG header claiming width×height with only a few rows of data: a decompression bomb. */
export function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = deflateSync(Buffer.alloc((width + 1) * 4));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A real HEIC made by libheif's encoder (x265), from a PNG file. */
export async function makeHeic(pngPath: string, heicPath: string): Promise<void> {
  await run('heif-enc', ['-q', '60', pngPath, '-o', heicPath]);
}

/** A real H.264 MP4 from ffmpeg's test source. */
export async function makeVideo(file: string, { seconds = 2, width = 320, height = 240 } = {}): Promise<void> {
  await run('ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=${width}x${height}:rate=15`,
    '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-metadata', 'creation_time=2022-05-06T07:08:09Z', file,
  ]);
}

/**
 * The frame size of a JPEG from its first bytes: the same walk over segment lengths as
 * image-size's JPEG reader (resynchronising on a stray byte, baseline / extended /
 * progressive frames), without parsing the EXIF block for an orientation that the EXIF
 * reader already gave. That parse was most of image-size's cost per photo in the cold
 * index. Null when the frame header is not in `head`: the caller then asks image-size.
 */
export function jpegFrameSize(head: Uint8Array): { width: number; height: number } | null {
  if (head[0] !== 0xff || head[1] !== 0xd8) return null;
  let at = 4; // past SOI and the first marker: its length field comes first
  while (at + 2 <= head.length) {
    const length = (head[at]! << 8) | head[at + 1]!;
    const marker = at + length;
    if (marker + 9 > head.length) return null;
    if (head[marker] !== 0xff) {
      at += 1;
      continue;
    }
    const kind = head[marker + 1];
    if (kind === 0xc0 || kind === 0xc1 || kind === 0xc2) {
      const height = (head[marker + 5]! << 8) | head[marker + 6]!;
      const width = (head[marker + 7]! << 8) | head[marker + 8]!;
      return width > 0 && height > 0 ? { width, height } : null;
    }
    at = marker + 2;
  }
  return null;
}

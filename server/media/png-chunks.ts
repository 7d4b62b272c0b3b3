import { inflateSync } from 'node:zlib';

/**
 * The metadata chunks of a PNG head: `tEXt` / `zTXt` / `iTXt` text ("Creation Time", XMP)
 * and `eXIf` (a TIFF-structured EXIF block). Pure; stops at the first image data chunk,
 * after which the specification allows no more of these that matter here.
 */
export interface PngMetadata {
  creationTime: string | null;
  xmp: string | null;
  exif: Buffer | null;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readPngMetadata(buf: Buffer): PngMetadata | null {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) return null;
  const found: PngMetadata = { creationTime: null, xmp: null, exif: null };
  let at = 8;
  while (at + 8 <= buf.length) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const body = at + 8;
    const end = body + length;
    if (type === 'IDAT' || type === 'IEND' || end > buf.length) break;
    const data = buf.subarray(body, end);
    if (type === 'eXIf') found.exif ??= data;
    else if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const text = textChunk(type, data);
      if (text?.keyword === 'Creation Time') found.creationTime ??= text.value;
      else if (text?.keyword === 'XML:com.adobe.xmp') found.xmp ??= text.value;
    }
    at = end + 4; // CRC
  }
  return found;
}

function textChunk(type: string, data: Buffer): { keyword: string; value: string } | null {
  const nul = data.indexOf(0);
  if (nul <= 0) return null;
  const keyword = data.toString('latin1', 0, nul);
  try {
    if (type === 'tEXt') return { keyword, value: data.toString('latin1', nul + 1) };
    if (type === 'zTXt')
      return { keyword, value: inflateSync(data.subarray(nul + 2)).toString('latin1') };
    // iTXt: keyword\0 compressed-flag method language\0 translated-keyword\0 text
    const compressed = data[nul + 1] === 1;
    const language = data.indexOf(0, nul + 3);
    const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
    if (translated < 0) return null;
    const text = data.subarray(translated + 1);
    return { keyword, value: (compressed ? inflateSync(text) : text).toString('utf8') };
  } catch {
    return null;
  }
}

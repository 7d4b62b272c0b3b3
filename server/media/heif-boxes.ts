/**
 * Reads the `meta` box of a HEIF/AVIF file (ISO/IEC 23008-12): the primary item's stored
 * size (`ispe`), its display transform (`irot`, `imir`), and where its Exif and XMP items
 * lie. Pure: works on bytes the caller has read and says when it needs more.
 *
 * exifr finds the Exif item of most HEICs but not all (libheif-written files, whose Exif
 * payload starts with a zero offset, some recent iPhones, Samsung motion photos), and no
 * header reader applies `irot`, so a portrait phone photo would be listed as landscape.
 */

export interface Extent {
  offset: number;
  length: number;
}

export interface HeifMeta {
  /** Stored size of the primary image, before `irot`. */
  width: number | null;
  height: number | null;
  /** Anticlockwise rotation in degrees (0, 90, 180, 270) applied for display. */
  rotation: number;
  mirrored: boolean;
  /** File ranges of the Exif item (payload: 4-byte offset to the TIFF header, then EXIF). */
  exif: Extent[] | null;
  /** File ranges of the XMP item. */
  xmp: Extent[] | null;
}

export type HeifReadResult = { meta: HeifMeta } | { needBytes: number } | null;

interface Box {
  type: string;
  start: number;
  /** First byte of the payload (after size, type and any large size). */
  body: number;
  end: number;
}

/** Larger `meta` boxes are not worth reading (real files hold a few KiB to ~100 KiB). */
export const MAX_META_BYTES = 4 * 1024 * 1024;

function* boxes(buf: Buffer, from: number, to: number): Generator<Box> {
  let at = from;
  while (at + 8 <= to) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > to) return;
      size = Number(buf.readBigUInt64BE(at + 8));
      body = at + 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < body - at) return;
    yield { type, start: at, body, end: at + size };
    at += size;
  }
}

/** `buf` holds the file from its first byte (possibly only its head). */
export function readHeifMeta(buf: Buffer): HeifReadResult {
  for (const box of boxes(buf, 0, buf.length)) {
    if (box.type !== 'meta') continue;
    if (box.end > buf.length) return box.end <= MAX_META_BYTES ? { needBytes: box.end } : null;
    try {
      return { meta: parseMeta(buf, box.body + 4, box.end) };
    } catch {
      return null; // a truncated or inconsistent box: no facts rather than wrong ones
    }
  }
  return null;
}

interface ItemLocation {
  method: number;
  baseOffset: number;
  extents: Extent[];
}

function parseMeta(buf: Buffer, from: number, to: number): HeifMeta {
  let primary: number | null = null;
  const itemTypes = new Map<number, { type: string; contentType: string }>();
  const locations = new Map<number, ItemLocation>();
  let properties: Box[] = [];
  const associations = new Map<number, number[]>();
  let idat: Box | null = null;

  for (const box of boxes(buf, from, to)) {
    if (box.end > to) break;
    switch (box.type) {
      case 'pitm':
        primary =
          buf[box.body] === 0 ? buf.readUInt16BE(box.body + 4) : buf.readUInt32BE(box.body + 4);
        break;
      case 'iinf':
        readItemInfos(buf, box, itemTypes);
        break;
      case 'iloc':
        readLocations(buf, box, locations);
        break;
      case 'iprp':
        for (const child of boxes(buf, box.body, box.end)) {
          if (child.type === 'ipco') properties = [...boxes(buf, child.body, child.end)];
          else if (child.type === 'ipma') readAssociations(buf, child, associations);
        }
        break;
      case 'idat':
        idat = box;
        break;
    }
  }

  const meta: HeifMeta = {
    width: null,
    height: null,
    rotation: 0,
    mirrored: false,
    exif: null,
    xmp: null,
  };
  for (const index of primary === null ? [] : (associations.get(primary) ?? [])) {
    const property = properties[index - 1];
    if (!property) continue;
    if (property.type === 'ispe' && meta.width === null) {
      meta.width = buf.readUInt32BE(property.body + 4);
      meta.height = buf.readUInt32BE(property.body + 8);
    } else if (property.type === 'irot') {
      meta.rotation = (buf[property.body]! & 3) * 90;
    } else if (property.type === 'imir') {
      meta.mirrored = true;
    }
  }
  for (const [id, info] of itemTypes) {
    const location = locations.get(id);
    if (!location) continue;
    const isExif = info.type === 'Exif';
    const isXmp = info.type === 'mime' && /rdf\+xml|xmp/i.test(info.contentType);
    if (!isExif && !isXmp) continue;
    const extents = fileExtents(location, idat);
    if (!extents) continue;
    if (isExif) meta.exif ??= extents;
    else meta.xmp ??= extents;
  }
  return meta;
}

function readItemInfos(
  buf: Buffer,
  box: Box,
  out: Map<number, { type: string; contentType: string }>,
): void {
  const version = buf[box.body]!;
  const entriesAt = box.body + 4 + (version === 0 ? 2 : 4);
  for (const entry of boxes(buf, entriesAt, box.end)) {
    if (entry.type !== 'infe') continue;
    const infeVersion = buf[entry.body]!;
    if (infeVersion < 2) continue; // versions 0/1 carry no item type
    let at = entry.body + 4;
    const id = infeVersion === 2 ? buf.readUInt16BE(at) : buf.readUInt32BE(at);
    at += (infeVersion === 2 ? 2 : 4) + 2; // item ID, protection index
    const type = buf.toString('latin1', at, at + 4);
    at += 4;
    const nameEnd = buf.indexOf(0, at);
    let contentType = '';
    if (type === 'mime' && nameEnd >= 0 && nameEnd < entry.end) {
      const typeEnd = buf.indexOf(0, nameEnd + 1);
      contentType = buf.toString(
        'latin1',
        nameEnd + 1,
        typeEnd >= 0 && typeEnd < entry.end ? typeEnd : entry.end,
      );
    }
    out.set(id, { type, contentType });
  }
}

function readSized(buf: Buffer, at: number, size: number): number {
  if (size === 0) return 0;
  if (size === 4) return buf.readUInt32BE(at);
  if (size === 8) return Number(buf.readBigUInt64BE(at));
  throw new Error(`unsupported field size ${size}`);
}

function readLocations(buf: Buffer, box: Box, out: Map<number, ItemLocation>): void {
  const version = buf[box.body]!;
  let at = box.body + 4;
  const offsetSize = buf[at]! >> 4;
  const lengthSize = buf[at]! & 15;
  const baseOffsetSize = buf[at + 1]! >> 4;
  const indexSize = version === 1 || version === 2 ? buf[at + 1]! & 15 : 0;
  at += 2;
  const count = version < 2 ? buf.readUInt16BE(at) : buf.readUInt32BE(at);
  at += version < 2 ? 2 : 4;
  for (let i = 0; i < count && at < box.end; i++) {
    const id = version < 2 ? buf.readUInt16BE(at) : buf.readUInt32BE(at);
    at += version < 2 ? 2 : 4;
    let method = 0;
    if (version === 1 || version === 2) {
      method = buf.readUInt16BE(at) & 15;
      at += 2;
    }
    at += 2; // data reference index
    const baseOffset = readSized(buf, at, baseOffsetSize);
    at += baseOffsetSize;
    const extentCount = buf.readUInt16BE(at);
    at += 2;
    const extents: Extent[] = [];
    for (let e = 0; e < extentCount; e++) {
      at += indexSize;
      const offset = readSized(buf, at, offsetSize);
      at += offsetSize;
      const length = readSized(buf, at, lengthSize);
      at += lengthSize;
      extents.push({ offset, length });
    }
    out.set(id, { method, baseOffset, extents });
  }
}

function readAssociations(buf: Buffer, box: Box, out: Map<number, number[]>): void {
  const version = buf[box.body]!;
  const wideIndex = (buf[box.body + 3]! & 1) === 1;
  let at = box.body + 4;
  const count = buf.readUInt32BE(at);
  at += 4;
  for (let i = 0; i < count && at < box.end; i++) {
    const id = version < 1 ? buf.readUInt16BE(at) : buf.readUInt32BE(at);
    at += version < 1 ? 2 : 4;
    const n = buf[at++]!;
    const indices: number[] = [];
    for (let k = 0; k < n; k++) {
      if (wideIndex) {
        indices.push(buf.readUInt16BE(at) & 0x7fff);
        at += 2;
      } else {
        indices.push(buf[at]! & 0x7f);
        at += 1;
      }
    }
    out.set(id, indices);
  }
}

/** Absolute file ranges of an item stored in the file or in `idat`; null for derived storage. */
function fileExtents(location: ItemLocation, idat: Box | null): Extent[] | null {
  if (location.method === 0) {
    return location.extents.map((e) => ({
      offset: location.baseOffset + e.offset,
      length: e.length,
    }));
  }
  if (location.method === 1 && idat) {
    return location.extents.map((e) => ({
      offset: idat.body + location.baseOffset + e.offset,
      length: e.length,
    }));
  }
  return null;
}

/** Display size: a quarter or three-quarter turn swaps width and height; a mirror does not. */
export function heifDisplaySize(meta: HeifMeta): { width: number; height: number } | null {
  if (!meta.width || !meta.height) return null;
  const swap = meta.rotation === 90 || meta.rotation === 270;
  return swap
    ? { width: meta.height, height: meta.width }
    : { width: meta.width, height: meta.height };
}

/**
 * The TIFF header inside an Exif item's payload. The payload starts with a 4-byte offset to
 * it: 6 with an "Exif\0\0" prefix (Apple), 0 for libheif-written files; some writers get the
 * offset wrong, so the header is also looked for in the first bytes.
 */
export function tiffInExifItem(payload: Buffer): Buffer | null {
  if (payload.length < 12) return null;
  const stated = 4 + payload.readUInt32BE(0);
  const isTiff = (at: number) => {
    const mark = payload.toString('latin1', at, at + 4);
    return mark === 'II*\0' || mark === 'MM\0*';
  };
  if (stated + 8 <= payload.length && isTiff(stated)) return payload.subarray(stated);
  for (let at = 0; at < Math.min(32, payload.length - 8); at++)
    if (isTiff(at)) return payload.subarray(at);
  return null;
}

import { createHash } from 'node:crypto';
import { close as closeCallback, open as openCallback, read as readCallback } from 'node:fs';
import { open } from 'node:fs/promises';
import exifr from 'exifr';
import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';
import { loadSharp } from '../util/sharp-loader.js';
import type { MediaType } from '../shared/api-types.js';
import { supportedMimes } from './media-types.js';
import { parseExifDateTime, parseStampedDate } from './date-sources.js';
import { readDatesWithExiftool } from './exiftool-fallback.js';
import { heifDisplaySize, readHeifMeta, tiffInExifItem, type Extent } from './heif-boxes.js';
import { readIptcDate } from './iptc-date.js';
import { jpegFrameSize } from './jpeg-size.js';
import { readPngMetadata } from './png-chunks.js';
import type { OtherDates, RawDateTags } from './taken-at.js';
import { findXmpPacket, xmpCaptureDate } from './xmp-dates.js';

/** What reading a file's first bytes tells: kind, size in pixels, camera, dates. */
export interface FileFacts {
  type: MediaType;
  mime: string;
  width: number | null;
  height: number | null;
  orientation: number;
  fingerprint: string;
  tags: RawDateTags | null;
  /** Dates from XMP, IPTC and PNG text in the file (a sidecar's is added by the library). */
  other: Partial<OtherDates>;
  make: string | null;
  model: string | null;
  lat: number | null;
  lon: number | null;
  durationMs: number | null;
  videoCreatedMs: number | null;
  /** Codecs, rotation and length of a video in compact form (server/video/stream-facts). */
  videoStreams: string | null;
}

export type ProbeResult =
  | { ok: true; facts: FileFacts }
  | { ok: false; reason: string; missing?: boolean };

export interface VideoFacts {
  width: number | null;
  height: number | null;
  durationMs: number | null;
  createdMs: number | null;
  /** Encoded StreamFacts, or a probe failure; null when not probed. */
  streams: string | null;
}
/** Supplied by the video adapter (ffprobe); absent means videos get no duration or size. */
export type VideoProber = (absPath: string) => Promise<VideoFacts | null>;

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 16 * 1024;

const exifOptions = {
  tiff: true,
  exif: true,
  gps: true,
  ifd1: false,
  interop: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
  // Raw strings: revived Date objects would be read in the process' zone, losing the offset.
  reviveValues: false,
  translateValues: false,
  pick: [
    'Make', 'Model', 'Orientation', 'DateTimeOriginal', 'OffsetTimeOriginal', 'SubSecTimeOriginal',
    'CreateDate', 'DateTimeDigitized', 'OffsetTimeDigitized', 'ModifyDate', 'DateTime', 'OffsetTime',
    'GPSLatitude', 'GPSLatitudeRef', 'GPSLongitude', 'GPSLongitudeRef',
    'SubSecTimeDigitized', 'SubSecTime', 'GPSDateStamp', 'GPSTimeStamp',
  ],
};

/**
 * Reads a file's head (and tail, for the fingerprint) once, sniffs its type by content,
 * and extracts dimensions and EXIF from that buffer. Never throws for bad files.
 */
export class FileProber {
  /** How many files had their metadata read; lets tests prove warm restarts read none. */
  metadataReads = 0;

  constructor(private readonly probeVideo: VideoProber | null = null) {}

  async probe(absPath: string, size: number): Promise<ProbeResult> {
    if (size === 0) return { ok: false, reason: 'empty file' };
    const buffer = takeBuffer();
    try {
      return await this.probeWith(absPath, size, buffer);
    } finally {
      giveBack(buffer);
    }
  }

  private async probeWith(absPath: string, size: number, buffer: Buffer): Promise<ProbeResult> {
    let head: Buffer;
    let fingerprint: string;
    try {
      ({ head, fingerprint } = await readHeadAndFingerprint(absPath, size, buffer));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return { ok: false, reason: `cannot be read (${code})`, missing: code === 'ENOENT' };
    }
    this.metadataReads++;
    const sniffed = isJpegHeader(head) ? jpegType : await fileTypeFromBuffer(head).catch(() => undefined);
    const mime = sniffed ? normalizeMime(sniffed.mime) : isTiffHeader(head) ? 'image/tiff' : undefined;
    const type = mime ? supportedMimes[mime] : undefined;
    if (!mime || !type) {
      return { ok: false, reason: `unsupported content (${sniffed ? sniffed.mime : 'not a known image or video format'})` };
    }
    return type === 'video'
      ? { ok: true, facts: await this.videoFacts(absPath, mime, fingerprint) }
      : imageFacts(absPath, head, size, mime, fingerprint);
  }

  private async videoFacts(absPath: string, mime: string, fingerprint: string): Promise<FileFacts> {
    const video = this.probeVideo ? await this.probeVideo(absPath).catch(() => null) : null;
    return {
      ...emptyFacts('video', mime, fingerprint),
      width: video?.width ?? null,
      height: video?.height ?? null,
      durationMs: video?.durationMs ?? null,
      videoCreatedMs: video?.createdMs ?? null,
      videoStreams: video?.streams ?? null,
    };
  }
}

async function imageFacts(
  absPath: string,
  head: Buffer,
  size: number,
  mime: string,
  fingerprint: string,
): Promise<ProbeResult> {
  const facts = emptyFacts('image', mime, fingerprint);
  const embedded = await readEmbedded(absPath, head, size, mime);
  let exif = embedded.tiff ? await parseExif(embedded.tiff) : null;
  // EXIF is there but exifr gave up on it (odd offsets, a block running past the head).
  const broken = embedded.hasExif && (exif === null || 'errors' in exif);
  if (broken && !hasCaptureDate(exif)) exif = (await fallbackExif(absPath)) ?? exif;
  if (exif) applyExif(facts, exif);
  const tags = facts.tags;
  // XMP is read when EXIF lacks the capture date or its offset (the XMP copy may carry it).
  if (!hasCaptureDate(tags) || !hasOffset(tags)) {
    const xmp = embedded.xmp ?? findXmpPacket(head);
    facts.other.xmp = xmp ? xmpCaptureDate(xmp) : null;
  }
  if (!hasCaptureDate(tags) && !facts.other.xmp) facts.other.iptc = readIptcDate(head);
  if (embedded.pngCreationTime) facts.other.png = parseStampedDate(embedded.pngCreationTime);
  if (!hasAnyDate(facts) && (broken || (mime === 'image/jpeg' && hasMakerSegment(head)))) {
    // The last resort for EXIF that defeats both parsers above: exiftool, where installed.
    const fromTool = await readDatesWithExiftool(absPath);
    if (fromTool) facts.tags = { ...facts.tags, ...fromTool };
  }
  const dims = embedded.displaySize ?? (await dimensions(absPath, head, size, mime));
  if (!dims) return { ok: false, reason: 'no readable image data' };
  // HEIF/AVIF display size comes from the container's irot (EXIF orientation is ignored there).
  const swap = !embedded.displaySize && facts.orientation >= 5;
  facts.width = swap ? dims.height : dims.width;
  facts.height = swap ? dims.width : dims.height;
  return { ok: true, facts };
}

interface Embedded {
  /** Where exifr should look: the file head, or the TIFF block of a HEIF Exif item / PNG eXIf. */
  tiff: Buffer | null;
  xmp: string | null;
  pngCreationTime: string | null;
  displaySize: { width: number; height: number } | null;
  /** The file carries an EXIF block (whether or not exifr can read it). */
  hasExif: boolean;
}

const EXIF_MARK = Buffer.from('Exif\0\0', 'latin1');

async function readEmbedded(absPath: string, head: Buffer, size: number, mime: string): Promise<Embedded> {
  const found: Embedded = { tiff: head, xmp: null, pngCreationTime: null, displaySize: null, hasExif: false };
  if (mime === 'image/heic' || mime === 'image/heif' || mime === 'image/avif') {
    const heif = await readHeif(absPath, head, size);
    if (heif) {
      found.displaySize = heifDisplaySize(heif.meta);
      if (heif.meta.exif) found.tiff = heif.tiff; // null when the item holds no TIFF header
      found.xmp = heif.xmp;
    }
  } else if (mime === 'image/png') {
    const png = readPngMetadata(head);
    found.tiff = png?.exif ? stripExifMark(png.exif) : null;
    found.xmp = png?.xmp ?? null;
    found.pngCreationTime = png?.creationTime ?? null;
  }
  // A TIFF file is one EXIF-style structure throughout.
  found.hasExif = found.tiff !== null && (found.tiff !== head || mime === 'image/tiff' || head.includes(EXIF_MARK));
  return found;
}

async function readHeif(absPath: string, head: Buffer, size: number) {
  let bytes = head;
  let result = readHeifMeta(bytes);
  if (result && 'needBytes' in result && result.needBytes <= size) {
    bytes = await readRange(absPath, 0, result.needBytes);
    result = readHeifMeta(bytes);
  }
  if (!result || !('meta' in result)) return null;
  const { meta } = result;
  const item = async (extents: Extent[] | null) => {
    if (!extents || extents.length === 0) return null;
    const total = extents.reduce((sum, e) => sum + e.length, 0);
    if (total > MAX_ITEM_BYTES) return null;
    const parts: Buffer[] = [];
    for (const e of extents) {
      parts.push(e.offset + e.length <= bytes.length ? bytes.subarray(e.offset, e.offset + e.length) : await readRange(absPath, e.offset, e.length));
    }
    return Buffer.concat(parts);
  };
  const exifItem = await item(meta.exif).catch(() => null);
  const xmpItem = await item(meta.xmp).catch(() => null);
  return { meta, tiff: exifItem ? tiffInExifItem(exifItem) : null, xmp: xmpItem ? xmpItem.toString('utf8') : null };
}

/** Exif and XMP items are a few KiB; a larger one is not metadata worth indexing. */
const MAX_ITEM_BYTES = 1024 * 1024;

async function readRange(absPath: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(absPath, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const stripExifMark = (block: Buffer) => (block.subarray(0, 6).equals(EXIF_MARK) ? block.subarray(6) : block);

async function parseExif(source: Buffer): Promise<Record<string, unknown> | null> {
  const exif = (await exifr.parse(source, exifOptions).catch(() => null)) as Record<string, unknown> | null | undefined;
  return exif ?? null;
}

/**
 * A second reader for EXIF that exifr gave up on in the head (odd offsets, a block running
 * past the first 64 KiB): the EXIF block as libvips extracts it. Runs only for files whose
 * fast path found no capture date although they carry EXIF.
 */
async function fallbackExif(absPath: string): Promise<Record<string, unknown> | null> {
  try {
    const meta = await (await loadSharp())(absPath, { failOn: 'none' }).metadata();
    return meta.exif ? await parseExif(stripExifMark(meta.exif)) : null;
  } catch {
    return null;
  }
}

function applyExif(facts: FileFacts, exif: Record<string, unknown>): void {
  facts.tags = withoutByteViews(exif) as RawDateTags;
  facts.orientation = validOrientation(exif.Orientation);
  facts.make = cleanText(exif.Make);
  facts.model = cleanText(exif.Model);
  if (typeof exif.latitude === 'number' && typeof exif.longitude === 'number' &&
      Number.isFinite(exif.latitude) && Number.isFinite(exif.longitude)) {
    facts.lat = round6(exif.latitude);
    facts.lon = round6(exif.longitude);
  }
}

/**
 * exifr gives tags of type UNDEFINED (InteropVersion…) as views into the bytes it parsed,
 * which belong to a reused read buffer: none is a date, a text or a number, so none is kept.
 */
function withoutByteViews(exif: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key in exif) {
    const value = exif[key];
    if (!ArrayBuffer.isView(value)) kept[key] = value;
  }
  return kept;
}

/**
 * A JPEG segment where cameras kept their own metadata before EXIF was settled: APP12
 * (Olympus/Agfa "PictureInfo") or a Canon CIFF heap in APP0. Only exiftool reads dates
 * from them.
 */
function hasMakerSegment(head: Buffer): boolean {
  let at = 2;
  while (at + 4 <= head.length && head[at] === 0xff) {
    const marker = head[at + 1]!;
    if (marker === 0xda || marker === 0xd9) return false; // image data: no more metadata
    // APP12 "Ducky" is Photoshop's Save for Web, not a camera's.
    if (marker === 0xec && head.toString('latin1', at + 4, at + 9) !== 'Ducky') return true;
    if (marker === 0xe0 && head.toString('latin1', at + 10, at + 14) === 'HEAP') return true;
    at += 2 + head.readUInt16BE(at + 2);
  }
  return false;
}

const hasCaptureDate = (tags: RawDateTags | null) =>
  !!tags && (parseExifDateTime(tags.DateTimeOriginal) !== null || parseExifDateTime(tags.CreateDate ?? tags.DateTimeDigitized) !== null);
const hasOffset = (tags: RawDateTags | null) =>
  !!tags && [tags.OffsetTimeOriginal, tags.OffsetTimeDigitized, tags.OffsetTime].some((t) => typeof t === 'string' && t.trim() !== '');
const hasAnyDate = (facts: FileFacts) =>
  hasCaptureDate(facts.tags) || !!facts.other.xmp || !!facts.other.iptc || !!facts.other.png;

/** Header-only dimensions; falls back to libvips when the header lies beyond the head buffer. */
async function dimensions(absPath: string, head: Buffer, size: number, mime: string) {
  const frame = mime === 'image/jpeg' ? jpegFrameSize(head) : null;
  if (frame) return frame;
  try {
    const found = imageSize(head);
    if (found.width && found.height) return { width: found.width, height: found.height };
  } catch {
    // fall through: the frame header may lie beyond the buffer, or the file is broken
  }
  if (size <= head.length) return null;
  try {
    const sharp = await loadSharp();
    const meta = await sharp(absPath, { failOn: 'none' }).metadata();
    return meta.width && meta.height ? { width: meta.width, height: meta.height } : null;
  } catch {
    return null;
  }
}

/**
 * Head + tail buffers, reused from file to file: a fresh 80 KiB allocation per file cost
 * the allocation, its page faults in the kernel's copy, and GC, about a quarter of the CPU
 * of reading a file's head in the cold-index profile. A probe holds one from its first read
 * until it returns; nothing it returns refers into it.
 */
const freeBuffers: Buffer[] = [];
const MAX_FREE_BUFFERS = 16;
const takeBuffer = () => freeBuffers.pop() ?? Buffer.allocUnsafeSlow(HEAD_BYTES + TAIL_BYTES);
const giveBack = (buffer: Buffer) => {
  if (freeBuffers.length < MAX_FREE_BUFFERS) freeBuffers.push(buffer);
};

/**
 * The first HEAD_BYTES of the file (into `buffer`, from offset 0) and its fingerprint:
 * sha256 of `${size}:`, the head and the last TAIL_BYTES. Through the callback API: one
 * promise per file instead of a FileHandle and a promise per call, which halved the main
 * thread's share of opening, reading and closing.
 */
function readHeadAndFingerprint(absPath: string, size: number, buffer: Buffer): Promise<{ head: Buffer; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    openCallback(absPath, 'r', (openError, fd) => {
      if (openError) return reject(openError);
      const finish = (error: Error | null, value?: { head: Buffer; fingerprint: string }) =>
        closeCallback(fd, () => (error ? reject(error) : resolve(value!)));
      const headLength = Math.min(size, HEAD_BYTES);
      readCallback(fd, buffer, 0, headLength, 0, (headError, bytesRead) => {
        if (headError) return finish(headError);
        const head = buffer.subarray(0, bytesRead);
        const hash = createHash('sha256').update(`${size}:`).update(head);
        const done = () => finish(null, { head, fingerprint: hash.digest('base64url').slice(0, 22) });
        if (size <= HEAD_BYTES) return done();
        const tailLength = Math.min(TAIL_BYTES, size - HEAD_BYTES);
        readCallback(fd, buffer, HEAD_BYTES, tailLength, size - tailLength, (tailError, tailRead) => {
          if (tailError) return finish(tailError);
          // A file cut short since its stat: the missing tail hashes as zeros, as it always has.
          if (tailRead < tailLength) buffer.fill(0, HEAD_BYTES + tailRead, HEAD_BYTES + tailLength);
          hash.update(buffer.subarray(HEAD_BYTES, HEAD_BYTES + tailLength));
          done();
        });
      });
    });
  });
}

function emptyFacts(type: MediaType, mime: string, fingerprint: string): FileFacts {
  return {
    type, mime, fingerprint,
    width: null, height: null, orientation: 1, tags: null, other: {},
    make: null, model: null, lat: null, lon: null, durationMs: null, videoCreatedMs: null, videoStreams: null,
  };
}

/**
 * A JPEG's first bytes, tested before file-type (whose detector costs more than the rest of
 * reading a photo's type): SOI and a marker, except JPEG-LS (SOF55), as file-type decides.
 */
const isJpegHeader = (head: Buffer) => head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff && head[3] !== 0xf7;
const jpegType = { mime: 'image/jpeg' };

/**
 * A TIFF header ("II*\0" little-endian, "MM\0*" big-endian). file-type walks the first IFD
 * to tell TIFF from camera raw formats and gives up when that IFD lies past the head, as in
 * TIFFs written with their directory at the end (scanners, big-endian writers).
 */
function isTiffHeader(head: Buffer): boolean {
  const mark = head.toString('latin1', 0, 4);
  return mark === 'II*\0' || mark === 'MM\0*';
}

function normalizeMime(mime: string): string {
  if (mime === 'image/heic-sequence') return 'image/heic';
  if (mime === 'image/heif-sequence') return 'image/heif';
  if (mime === 'video/x-m4v') return 'video/mp4';
  if (mime === 'video/matroska') return 'video/x-matroska'; // the name browsers and servers know
  if (mime === 'video/vnd.avi') return 'video/x-msvideo';
  return mime;
}

function validOrientation(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8 ? value : 1;
}

function cleanText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u001f]/g, '').trim();
  return text === '' ? null : text.slice(0, 64);
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

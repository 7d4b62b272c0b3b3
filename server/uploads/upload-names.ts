import { mediaExtensions } from '../media/media-types.js';

/**
 * Turning a name a client sent into a file name that is safe on every file system spis runs
 * on, and choosing where an upload lands. Pure: no I/O, so every hostile name is unit-tested.
 */

/** Bytes, not characters: ext4 and most others cap a name at 255 bytes; room is left for a suffix. */
const MAX_NAME_BYTES = 180;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/** Canonical extension for each sniffed MIME type, used when a name has none. */
const extensionOfMime: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/gif': 'gif',
  'image/tiff': 'tif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
};

/** Extensions that may name each content type (what the library's walk reads). */
const extensionsOfMime: Readonly<Record<string, readonly string[]>> = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
  'image/avif': ['avif'],
  'image/gif': ['gif'],
  'image/tiff': ['tif', 'tiff'],
  // A HEIF container with HEVC inside is both; phones use either extension.
  'image/heic': ['heic', 'heif'],
  'image/heif': ['heic', 'heif'],
  // MP4 and QuickTime share the ISO box format; phones name either way.
  'video/mp4': ['mp4', 'm4v', 'mov'],
  'video/quicktime': ['mov', 'mp4', 'm4v'],
  'video/webm': ['webm'],
};

/**
 * A single path segment: no separators, control, reserved or hidden-making characters,
 * bounded in bytes; empty when nothing usable is left (the caller then picks a name).
 */
export function sanitiseSegment(raw: string, maxBytes = MAX_NAME_BYTES): string {
  let name = raw.normalize('NFC');
  // Keep only the last path segment of a name like "C:\\photos\\a.jpg" or "../../a.jpg".
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  // eslint-disable-next-line no-control-regex
  name = name.replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u202a-\u202e\u2066-\u2069]/g, '_');
  name = name.replace(/\s+/g, ' ').trim();
  // Leading dots would hide the file from the library; trailing dots and spaces vanish on Windows shares.
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (name === '' || /^_+$/.test(name)) return '';
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  if (WINDOWS_RESERVED.test(stem)) name = `_${name}`;
  return truncateBytes(name, maxBytes);
}

/** Cuts a name to `maxBytes` of UTF-8, keeping its extension and never splitting a character. */
function truncateBytes(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
  let stem = extension ? name.slice(0, dot) : name;
  const budget = maxBytes - Buffer.byteLength(extension);
  while (Buffer.byteLength(stem) > budget) stem = [...stem].slice(0, -1).join('');
  return stem.trimEnd() + extension;
}

export type NameDecision = { ok: true; name: string } | { ok: false; reason: string };

/**
 * The file name an upload gets: the client's name, sanitised, with an extension that matches
 * the sniffed content. A name claiming another media type (a PNG named `.jpg`) is refused: it
 * is the "wrong content for the declared type" case; a name without a media extension gets one.
 */
export function uploadFileName(
  raw: string | null,
  mime: string,
  fallbackStem: string,
): NameDecision {
  const allowed = extensionsOfMime[mime];
  const canonical = extensionOfMime[mime];
  if (!allowed || !canonical) return { ok: false, reason: `unsupported content type ${mime}` };
  const clean = sanitiseSegment(raw ?? '');
  const dot = clean.lastIndexOf('.');
  const extension = dot > 0 ? clean.slice(dot + 1).toLowerCase() : '';
  if (extension && mediaExtensions.has(extension)) {
    if (!allowed.includes(extension)) {
      return { ok: false, reason: `the content is ${mime} but the name ends in .${extension}` };
    }
    return { ok: true, name: clean };
  }
  const stem = clean === '' ? fallbackStem : clean;
  return { ok: true, name: truncateBytes(`${stem}.${canonical}`, MAX_NAME_BYTES) };
}

/** Does a declared Content-Type (header or multipart part) agree with the sniffed one? */
export function declaredTypeMatches(declared: string | null | undefined, sniffed: string): boolean {
  const type = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  // Generic or absent declarations say nothing; browsers send octet-stream for unknown files.
  if (type === '' || type === 'application/octet-stream' || type === 'binary/octet-stream')
    return true;
  const alias: Record<string, string> = {
    'image/jpg': 'image/jpeg',
    'image/pjpeg': 'image/jpeg',
    'video/x-m4v': 'video/mp4',
  };
  const given = alias[type] ?? type;
  if (given === sniffed) return true;
  const same = extensionsOfMime[sniffed] ?? [];
  const givenExtensions = extensionsOfMime[given] ?? [];
  // heic/heif and mp4/mov are one container family each; phones label them loosely.
  return givenExtensions.length > 0 && givenExtensions.every((ext) => same.includes(ext));
}

/** `photo.jpg` → `photo-1.jpg`, `photo-2.jpg`… for the n-th collision. */
export function withSuffix(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}

/**
 * `<folder>/<owner>/<YYYY>/<MM>` relative to the media root, '/'-separated, with the capture
 * date's own wall-clock year and month (the same date the timeline files it under).
 */
export function uploadFolder(uploadsFolder: string, owner: string, yearMonth: number): string {
  const year = String(Math.floor(yearMonth / 100)).padStart(4, '0');
  const month = String(yearMonth % 100).padStart(2, '0');
  const root = uploadsFolder.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
  return `${root}/${sanitiseSegment(owner) || 'unknown'}/${year}/${month}`;
}

import { open } from 'node:fs/promises';
import type { StampedDate } from './date-sources.js';
import { xmpCaptureDate } from './xmp-dates.js';

/**
 * XMP sidecars: `photo.jpg.xmp` (darktable, digiKam) or `photo.xmp` (Lightroom, Immich
 * exports) beside a media file. They are how people correct a date without touching the
 * original, so their date wins over the file's own; they are metadata, never items.
 */

export const isSidecarName = (name: string) => /\.xmp$/i.test(name) && !name.startsWith('.');

/**
 * The sidecar of `mediaName` among a folder's sidecar names (lower-cased name → name as on
 * disk): `photo.jpg.xmp` first, then `photo.xmp`.
 */
export function sidecarFor(
  mediaName: string,
  sidecars: ReadonlyMap<string, string>,
): string | null {
  const lower = mediaName.toLowerCase();
  const dot = lower.lastIndexOf('.');
  return (
    sidecars.get(`${lower}.xmp`) ??
    (dot > 0 ? sidecars.get(`${lower.slice(0, dot)}.xmp`) : undefined) ??
    null
  );
}

/** The two names a media file's sidecar can have, in order of preference. */
export function sidecarCandidates(mediaName: string): string[] {
  const dot = mediaName.lastIndexOf('.');
  return dot > 0 ? [`${mediaName}.xmp`, `${mediaName.slice(0, dot)}.xmp`] : [`${mediaName}.xmp`];
}

/**
 * What a sidecar name can describe: `photo.jpg.xmp` the file `photo.jpg`; `photo.xmp` any
 * `photo.*`. Returns the exact media name, if the sidecar names one, and the base name.
 */
export function sidecarTarget(sidecarName: string): { exact: string | null; base: string } {
  const withoutXmp = sidecarName.slice(0, -4);
  const dot = withoutXmp.lastIndexOf('.');
  return dot > 0
    ? { exact: withoutXmp, base: withoutXmp.slice(0, dot) }
    : { exact: null, base: withoutXmp };
}

/** Sidecars are small; a larger file is not read past this. */
const MAX_SIDECAR_BYTES = 1024 * 1024;

export async function readSidecarDate(absPath: string): Promise<StampedDate | null> {
  const handle = await open(absPath, 'r');
  try {
    const { size } = await handle.stat();
    const buf = Buffer.alloc(Math.min(size, MAX_SIDECAR_BYTES));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return xmpCaptureDate(buf.toString('utf8', 0, bytesRead));
  } finally {
    await handle.close();
  }
}

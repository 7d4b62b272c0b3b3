import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

export const run = promisify(execFile);

export interface JpegOptions {
  width?: number;
  height?: number;
  color?: string;
  /** EXIF "YYYY:MM:DD HH:MM:SS" */
  taken?: string;
  /** "+02:00" */
  offset?: string;
  make?: string;
  model?: string;
  orientation?: number;
  quality?: number;
}

/** A real JPEG with real EXIF (written by sharp/libexif), as a buffer. */
export async function jpegBuffer(options: JpegOptions = {}): Promise<Buffer> {
  const { width = 64, height = 48, color = '#3a7bd5' } = options;
  const exif: Record<string, Record<string, string>> = { IFD0: {}, IFD2: {} };
  if (options.make) exif.IFD0!.Make = options.make;
  if (options.model) exif.IFD0!.Model = options.model;
  if (options.taken) exif.IFD2!.DateTimeOriginal = options.taken;
  if (options.offset) exif.IFD2!.OffsetTimeOriginal = options.offset;
  let image = sharp({ create: { width, height, channels: 3, background: color } }).jpeg({ quality: options.quality ?? 80 });
  if (options.taken || options.make || options.model) image = image.withExif(exif);
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  return image.toBuffer();
}

export async function writeJpeg(file: string, options: JpegOptions = {}): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await jpegBuffer(options));
  return file;
}

/** Every file below `dir` with its SHA-256, to prove the media folder was never written to. */
export async function treeDigest(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function visit(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const abs = path.join(current, entry.name);
      const rel = path.relative(dir, abs);
      if (entry.isDirectory()) await visit(abs);
      else if (entry.isSymbolicLink()) out.set(rel, 'symlink');
      else if (entry.isFile()) {
        const info = await stat(abs);
        const content = await readFile(abs).catch(() => Buffer.from('unreadable'));
        out.set(rel, `${info.size}:${info.mtimeMs}:${createHash('sha256').update(content).digest('hex')}`);
      }
    }
  }
  await visit(dir);
  return out;
}

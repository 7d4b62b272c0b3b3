import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

const BACKGROUND = '#111316';

/**
 * Renders the PNG icons from one SVG. The maskable icon keeps the artwork inside the
 * central 80 % safe zone on a full-bleed background, since launchers crop it to any shape.
 */
export async function renderIcons(svgFile: string, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const svg = await readFile(svgFile);
  const plain = (size: number, file: string) =>
    sharp(svg, { density: 384 }).resize(size, size).png({ compressionLevel: 9 }).toFile(path.join(outDir, file));
  await Promise.all([
    plain(192, 'icon-192.png'),
    plain(512, 'icon-512.png'),
    plain(32, 'favicon-32.png'),
    maskable(svg, 180, path.join(outDir, 'apple-touch-icon.png')),
    maskable(svg, 512, path.join(outDir, 'maskable-512.png')),
    copyFile(svgFile, path.join(outDir, 'icon.svg')),
  ]);
}

async function maskable(svg: Buffer, size: number, file: string): Promise<void> {
  const inner = Math.round(size * 0.72);
  const art = await sharp(svg, { density: 384 }).resize(inner, inner).png().toBuffer();
  await sharp({ create: { width: size, height: size, channels: 4, background: BACKGROUND } })
    .composite([{ input: art, gravity: 'center' }])
    .png({ compressionLevel: 9 })
    .toFile(file);
}

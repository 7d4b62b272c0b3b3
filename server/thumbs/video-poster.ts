import { execFile } from 'node:child_process';
import { loadSharp } from '../util/sharp-loader.js';

/**
 * Poster frames for videos via ffmpeg, or a neutral placeholder when ffmpeg is missing or
 * cannot read the file, so a video is never shown as a broken image.
 */
export async function extractPoster(ffmpeg: string, absPath: string, durationMs: number | null, timeoutMs = 30_000): Promise<Buffer | null> {
  // A frame a little in: the very first one is often black. Short clips use their middle.
  const at = durationMs === null ? 1 : Math.min(1, durationMs / 2000);
  const frame = await grabFrame(ffmpeg, absPath, at, timeoutMs);
  return frame ?? (at > 0 ? grabFrame(ffmpeg, absPath, 0, timeoutMs) : null);
}

function grabFrame(ffmpeg: string, absPath: string, atSeconds: number, timeoutMs: number): Promise<Buffer | null> {
  const args = [
    '-v', 'error', '-nostdin', '-ss', atSeconds.toFixed(3), '-i', absPath,
    '-frames:v', '1', '-an', '-f', 'image2pipe', '-vcodec', 'png', '-',
  ];
  return new Promise((resolve) => {
    execFile(ffmpeg, args, { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout) => {
      resolve(!error && stdout.length > 0 ? stdout : null);
    });
  });
}

let placeholder: Promise<Buffer> | null = null;

/** A dark 16:9 card with a play symbol. */
export function placeholderPoster(): Promise<Buffer> {
  placeholder ??= loadSharp().then((sharp) =>
    sharp(
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360">' +
          '<rect width="640" height="360" fill="#2b2f36"/>' +
          '<circle cx="320" cy="180" r="64" fill="#ffffff" fill-opacity="0.18"/>' +
          '<path d="M296 140 L368 180 L296 220 Z" fill="#ffffff" fill-opacity="0.85"/>' +
          '</svg>',
      ),
    )
      .png()
      .toBuffer(),
  );
  return placeholder;
}

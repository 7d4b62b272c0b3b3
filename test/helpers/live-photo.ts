import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { run, writeJpeg } from './media.js';

/**
 * The motion half of a Live Photo: a short clip from ffmpeg's test source, carrying Apple's
 * QuickTime content identifier the way an iPhone writes it. H.264 in a QuickTime container,
 * as older iPhones write it: browser-safe, so the still's `livePhoto.url` (`/play`) serves
 * these very bytes.
 */
export async function makeLiveClip(
  file: string,
  { seconds = 2, contentId = 'A1B2C3D4-0000-4000-8000-000000000001' } = {},
): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=duration=${seconds}:size=96x64:rate=10`,
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-profile:v',
    'high',
    '-preset',
    'ultrafast',
    '-metadata',
    'creation_time=2022-05-06T07:08:09Z',
    '-metadata',
    `com.apple.quicktime.content.identifier=${contentId}`,
    '-movflags',
    'use_metadata_tags',
    '-f',
    'mov',
    file,
  ]);
  return file;
}

/** A still + clip pair with one base name, the clip copied from `clip` (made once, reused). */
export async function writeLivePhoto(
  dir: string,
  base: string,
  clip: string,
  { stillExt = 'JPG', clipExt = 'MOV' } = {},
) {
  const still = await writeJpeg(path.join(dir, `${base}.${stillExt}`), {
    taken: '2022:05:06 09:08:09',
    offset: '+02:00',
    color: '#446688',
  });
  const motion = path.join(dir, `${base}.${clipExt}`);
  await copyFile(clip, motion);
  return { still, motion };
}

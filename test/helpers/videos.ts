import { execFile } from 'node:child_process';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** 8-bit H.264 with AAC: the pair every browser plays. */
const H264_AAC = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];

const run = promisify(execFile);

/**
 * Small generated videos in the formats family libraries hold (no downloads): 160×120,
 * 10 fps, a tone for sound. Each takes well under a second to make.
 */
export type Fixture =
  | 'hevc.mov'
  | 'mjpeg.avi'
  | 'mpeg2.mts'
  | 'vp9.webm'
  | 'h264.mp4'
  | 'h264.mkv'
  | 'truncated.mp4'
  | 'silent-audio-only.mp4';

const source = (seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc=size=160x120:rate=10:duration=${seconds}`,
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:duration=${seconds}`,
];

async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args], { timeout: 60_000 });
}

/** Fails with the install hint when ffmpeg (or its HEVC encoder) is missing, never skips. */
export async function requireFfmpeg(): Promise<void> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-encoders']).catch(() => {
    throw new Error('ffmpeg is missing: apt-get install -y ffmpeg');
  });
  for (const encoder of ['libx265', 'libx264', 'libvpx-vp9', 'mjpeg', 'mpeg2video']) {
    if (!stdout.includes(` ${encoder} `))
      throw new Error(`ffmpeg lacks the ${encoder} encoder: apt-get install -y ffmpeg`);
  }
}

export async function makeFixture(dir: string, name: Fixture, seconds = 2): Promise<string> {
  const file = path.join(dir, name);
  const av = source(seconds);
  switch (name) {
    case 'hevc.mov': {
      // An iPhone-like clip: HEVC in QuickTime, shot in portrait (a 90° display matrix).
      const plain = `${file}.plain.mov`;
      await ffmpeg([
        ...av,
        '-c:v',
        'libx265',
        '-x265-params',
        'log-level=error',
        '-pix_fmt',
        'yuv420p',
        '-tag:v',
        'hvc1',
        '-c:a',
        'aac',
        plain,
      ]);
      await ffmpeg(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file]);
      await rm(plain);
      break;
    }
    case 'mjpeg.avi':
      await ffmpeg([...av, '-c:v', 'mjpeg', '-q:v', '8', '-c:a', 'pcm_s16le', file]);
      break;
    case 'mpeg2.mts':
      await ffmpeg([...av, '-c:v', 'mpeg2video', '-c:a', 'mp2', '-f', 'mpegts', file]);
      break;
    case 'vp9.webm':
      await ffmpeg([...av, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-c:a', 'libopus', file]);
      break;
    case 'h264.mp4':
      await ffmpeg([...av, ...H264_AAC, '-movflags', '+faststart', file]);
      break;
    case 'h264.mkv':
      await ffmpeg([...av, ...H264_AAC, file]);
      break;
    case 'truncated.mp4': {
      // A copy cut off mid-transfer: the index (moov) sits at the end, so it is lost.
      const whole = `${file}.whole.mp4`;
      await ffmpeg([
        ...av,
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        whole,
      ]);
      const bytes = await readFile(whole);
      await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await rm(whole);
      break;
    }
    case 'silent-audio-only.mp4':
      await ffmpeg([
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=440:duration=${seconds}`,
        '-c:a',
        'aac',
        file,
      ]);
      break;
  }
  return file;
}

/**
 * An ffmpeg stand-in for the bad cases: it answers `-version` like ffmpeg, hangs (after
 * writing a partial output) when the input's name contains "hang", and runs the real ffmpeg
 * otherwise. It writes its pid to `pidFile`, so a test can check that it was killed.
 */
export async function hangingFfmpeg(dir: string): Promise<{ path: string; pidFile: string }> {
  const script = path.join(dir, 'fake-ffmpeg.sh');
  const pidFile = path.join(dir, 'fake-ffmpeg.pid');
  await writeFile(
    script,
    `#!/bin/sh
case "$*" in
  *hang*-progress*)
    echo $$ > '${pidFile}'
    for last; do :; done
    head -c 1000 /dev/zero > "$last"
    exec sleep 600 ;;
  *) exec ffmpeg "$@" ;;
esac
`,
  );
  await chmod(script, 0o755);
  return { path: script, pidFile };
}

/** Codec, size and length of a file, read back with ffprobe. */
export async function probe(file: string): Promise<{
  video: string;
  audio: string | null;
  width: number;
  height: number;
  seconds: number;
  rotation: number;
}> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    file,
  ]);
  const parsed = JSON.parse(stdout) as {
    streams: Array<{
      codec_type: string;
      codec_name: string;
      width?: number;
      height?: number;
      side_data_list?: Array<{ rotation?: number }>;
    }>;
    format: { duration: string };
  };
  const video = parsed.streams.find((stream) => stream.codec_type === 'video')!;
  return {
    video: video.codec_name,
    audio: parsed.streams.find((stream) => stream.codec_type === 'audio')?.codec_name ?? null,
    width: video.width ?? 0,
    height: video.height ?? 0,
    seconds: Number(parsed.format.duration),
    rotation: Number(
      video.side_data_list?.find((side) => side.rotation !== undefined)?.rotation ?? 0,
    ),
  };
}

/**
 * An ffmpeg whose transcodes wait until `release()` is called (posters are made at once), so
 * a test can watch a video that is not prepared yet become playable.
 */
export async function gatedFfmpeg(
  dir: string,
): Promise<{ path: string; release: () => Promise<void> }> {
  const script = path.join(dir, 'gated-ffmpeg.sh');
  const gate = path.join(dir, 'gate-open');
  await writeFile(
    script,
    `#!/bin/sh\ncase "$*" in\n  *-progress*) while [ ! -e '${gate}' ]; do sleep 0.1; done ;;\nesac\nexec ffmpeg "$@"\n`,
  );
  await chmod(script, 0o755);
  return { path: script, release: () => writeFile(gate, '') };
}

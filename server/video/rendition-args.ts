/**
 * The ffmpeg command line for a playable rendition: H.264 (8-bit 4:2:0) + AAC in MP4 with the
 * index up front (`+faststart`), scaled down to at most `maxHeight` display lines, sound kept.
 * ffmpeg applies the source's rotation itself (autorotate) and writes none, so the rendition
 * shows upright everywhere. Pure.
 */
export interface RenditionSettings {
  maxHeight: number;
  crf: number;
  preset: string;
  /** A hardware H.264 encoder (`h264_vaapi`, `h264_v4l2m2m`, …), or '' for libx264. */
  encoder: string;
}

export function renditionArgs(
  input: string,
  output: string,
  settings: RenditionSettings,
  hasAudio: boolean,
): string[] {
  // Even dimensions (4:2:0 needs them), never upscaled; -2 keeps the aspect ratio.
  const scale = `scale=-2:'min(${settings.maxHeight},trunc(ih/2)*2)':flags=bicubic`;
  const video = encoderArgs(settings, scale);
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-y',
    ...(settings.encoder === 'h264_vaapi' ? ['-vaapi_device', '/dev/dri/renderD128'] : []),
    '-i',
    input,
    '-map',
    '0:v:0',
    ...(hasAudio ? ['-map', '0:a:0?'] : []),
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    '-sn',
    '-dn',
    ...video,
    ...(hasAudio ? ['-c:a', 'aac', '-b:a', '128k', '-ac', '2'] : []),
    '-movflags',
    '+faststart',
    // Machine-readable progress on stdout: `out_time_us=…` lines, `progress=end` at the end.
    '-progress',
    'pipe:1',
    '-nostats',
    '-f',
    'mp4',
    output,
  ];
}

function encoderArgs(settings: RenditionSettings, scale: string): string[] {
  switch (settings.encoder) {
    case '':
    case 'libx264':
      return [
        '-vf',
        `${scale},format=yuv420p`,
        '-c:v',
        'libx264',
        '-preset',
        settings.preset,
        '-crf',
        String(settings.crf),
        '-profile:v',
        'high',
        '-level:v',
        '4.1',
        '-pix_fmt',
        'yuv420p',
      ];
    case 'h264_vaapi':
      return [
        '-vf',
        `${scale},format=nv12,hwupload`,
        '-c:v',
        'h264_vaapi',
        '-qp',
        String(settings.crf),
      ];
    default:
      // v4l2m2m (Raspberry Pi), omx, qsv, nvenc: plain frames in, a bitrate rather than a CRF.
      return [
        '-vf',
        `${scale},format=yuv420p`,
        '-c:v',
        settings.encoder,
        '-b:v',
        '4M',
        '-pix_fmt',
        'yuv420p',
      ];
  }
}

/** Seconds of output written so far, from one `-progress` block line (`out_time_us=1234`). */
export function progressSeconds(line: string): number | null {
  const match = /^out_time_(?:us|ms)=(\d+)$/.exec(line.trim());
  return match ? Number(match[1]) / 1_000_000 : null;
}

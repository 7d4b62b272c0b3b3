/**
 * What ffprobe says about a video's streams, in the few facts playback decisions need, and
 * their compact form in the index (one short string per video, shared by most of them: a
 * library holds a handful of distinct camera formats). Pure.
 */
export interface StreamFacts {
  /** ffprobe's demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `avi`, `mpegts`. */
  container: string;
  video: { codec: string; profile: string; pixFmt: string } | null;
  /** Audio codec of the first audio stream; null when silent. */
  audio: string | null;
  /** Display rotation in degrees from the container (display matrix or `rotate` tag). */
  rotation: number;
  durationMs: number | null;
}

/** A probe that failed: the reason, shown to clients as the playback error. */
export interface ProbeFailure {
  error: string;
}

const VERSION = 'v1';
const SEPARATOR = '|';

export function encodeStreamFacts(facts: StreamFacts | ProbeFailure): string {
  if ('error' in facts) return `!${facts.error}`;
  const video = facts.video ?? { codec: '', profile: '', pixFmt: '' };
  return [
    VERSION,
    facts.container,
    video.codec,
    video.profile,
    video.pixFmt,
    facts.audio ?? '',
    facts.rotation,
    facts.durationMs ?? '',
  ]
    .map((part) => String(part).replaceAll(SEPARATOR, '/'))
    .join(SEPARATOR);
}

/** The stored string back into facts; null for null or a string from another version. */
export function decodeStreamFacts(text: string | null): StreamFacts | ProbeFailure | null {
  if (text === null) return null;
  if (text.startsWith('!')) return { error: text.slice(1) };
  const [version, container, codec, profile, pixFmt, audio, rotation, duration] =
    text.split(SEPARATOR);
  if (version !== VERSION || container === undefined) return null;
  return {
    container,
    video: codec ? { codec, profile: profile ?? '', pixFmt: pixFmt ?? '' } : null,
    audio: audio || null,
    rotation: Number(rotation) || 0,
    durationMs: duration ? Number(duration) : null,
  };
}

/** Bits per sample from a pixel format name (`yuv420p` 8, `yuv420p10le` 10, `p010le` 10). */
export function bitDepth(pixFmt: string): number {
  const match = /(?:p|le|be)?(\d{2})(?:le|be)$/.exec(pixFmt) ?? /^p0(\d{2})/.exec(pixFmt);
  return match ? Number(match[1]) : 8;
}

/** 4:2:0 chroma subsampling, the only one every browser decodes for H.264. */
export const isChroma420 = (pixFmt: string) => /^(yuv420p|yuvj420p|nv12)$/.test(pixFmt);

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  pix_fmt?: string;
  tags?: Record<string, string>;
  side_data_list?: Array<{ rotation?: number }>;
}

/** Facts from ffprobe's parsed `-show_format -show_streams` JSON. */
export function streamFactsFromProbe(parsed: {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string };
}): StreamFacts {
  // Cover art in MP4/MKV is a one-frame "video" stream flagged as attached picture: skip it.
  const streams = parsed.streams ?? [];
  const video = streams.find(
    (stream) => stream.codec_type === 'video' && !isAttachedPicture(stream),
  );
  const audio = streams.find((stream) => stream.codec_type === 'audio');
  const duration = Number(parsed.format?.duration);
  return {
    container: parsed.format?.format_name ?? '',
    video: video
      ? { codec: video.codec_name ?? '', profile: video.profile ?? '', pixFmt: video.pix_fmt ?? '' }
      : null,
    audio: audio?.codec_name ?? null,
    rotation: rotationOf(video),
    durationMs: Number.isFinite(duration) && duration >= 0 ? Math.round(duration * 1000) : null,
  };
}

export function rotationOf(video: ProbeStream | undefined): number {
  const raw = Number(
    video?.side_data_list?.find((side) => side.rotation !== undefined)?.rotation ??
      video?.tags?.rotate ??
      0,
  );
  return Number.isFinite(raw) ? ((Math.round(raw) % 360) + 360) % 360 : 0;
}

function isAttachedPicture(
  stream: ProbeStream & { disposition?: { attached_pic?: number } },
): boolean {
  return stream.disposition?.attached_pic === 1;
}

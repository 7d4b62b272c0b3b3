import { bitDepth, decodeStreamFacts, isChroma420, type StreamFacts } from './stream-facts.js';

export type TranscodeMode = 'incompatible' | 'off' | 'all';

/**
 * How a video reaches a browser: its own bytes, a rendition spis makes, or not at all (with
 * the reason). Pure: the indexed MIME type and probe facts in, a decision out.
 */
export type PlaybackDecision =
  | { serve: 'original'; mime: string }
  | { serve: 'rendition'; facts: StreamFacts }
  | { serve: 'none'; reason: string };

/** H.264 profiles every current browser decodes (8-bit 4:2:0). */
const SAFE_H264_PROFILES = new Set([
  'baseline',
  'constrained baseline',
  'main',
  'high',
  'extended',
]);
const MP4_AUDIO = new Set(['aac', 'mp3']);
const WEBM_VIDEO = new Set(['vp8', 'vp9', 'av1']);
const WEBM_AUDIO = new Set(['opus', 'vorbis']);

export function isBrowserSafe(mime: string, facts: StreamFacts): boolean {
  const video = facts.video;
  if (!video) return false;
  if (mime === 'video/mp4' || mime === 'video/quicktime') {
    return (
      video.codec === 'h264' &&
      SAFE_H264_PROFILES.has(video.profile.toLowerCase()) &&
      bitDepth(video.pixFmt) === 8 &&
      isChroma420(video.pixFmt) &&
      (facts.audio === null || MP4_AUDIO.has(facts.audio))
    );
  }
  if (mime === 'video/webm') {
    return WEBM_VIDEO.has(video.codec) && (facts.audio === null || WEBM_AUDIO.has(facts.audio));
  }
  return false;
}

/**
 * `off` serves every original as it is (the browser may or may not play it); without probe
 * facts (no ffprobe) the original is all there is. A video that cannot be read, has no
 * picture or no length gets a reason instead of a rendition that would fail anyway.
 */
export function decidePlayback(
  mime: string,
  streams: string | null | undefined,
  mode: TranscodeMode,
): PlaybackDecision {
  const facts = decodeStreamFacts(streams ?? null);
  if (mode === 'off' || facts === null) return { serve: 'original', mime: playableMime(mime) };
  if ('error' in facts) return { serve: 'none', reason: facts.error };
  if (!facts.video) return { serve: 'none', reason: 'the file has no video stream' };
  if (facts.durationMs !== null && facts.durationMs <= 0)
    return { serve: 'none', reason: 'the video is 0 seconds long' };
  if (mode === 'incompatible' && isBrowserSafe(mime, facts))
    return { serve: 'original', mime: playableMime(mime) };
  return { serve: 'rendition', facts };
}

/**
 * QuickTime with H.264 is the same ISO media format as MP4; labelled `video/mp4`, browsers
 * that refuse `video/quicktime` (Firefox, Chrome on Android) play it.
 */
function playableMime(mime: string): string {
  return mime === 'video/quicktime' ? 'video/mp4' : mime;
}

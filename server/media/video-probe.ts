import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { Logger } from '../ops/logger.js';
import { encodeStreamFacts, streamFactsFromProbe } from '../video/stream-facts.js';
import type { VideoFacts, VideoProber } from './file-probe.js';

const exec = promisify(execFile);

/** ffmpeg/ffprobe binaries that answered `-version`; null when none did. */
export interface VideoTools {
  ffmpeg: string | null;
  ffprobe: string | null;
}

/**
 * Finds working binaries: the configured path, else the one on PATH, else the npm-installed
 * static build. Says once, at start, what video support is missing.
 */
export async function locateVideoTools(
  config: { ffmpeg: string; ffprobe: string },
  log: Logger,
  useInstallers = true,
): Promise<VideoTools> {
  const installed = (pkg: string) => (useInstallers ? installedPath(pkg) : null);
  const tools: VideoTools = {
    ffmpeg: await firstWorking([config.ffmpeg, 'ffmpeg', installed('@ffmpeg-installer/ffmpeg')]),
    ffprobe: await firstWorking([config.ffprobe, 'ffprobe', installed('@ffprobe-installer/ffprobe')]),
  };
  for (const name of ['ffmpeg', 'ffprobe'] as const) {
    if (config[name] && tools[name] !== config[name]) {
      log.warn({ configured: config[name], using: tools[name] }, `video.${name} does not run; using another binary`);
    }
  }
  if (!tools.ffmpeg || !tools.ffprobe) {
    log.warn(
      { ffmpeg: Boolean(tools.ffmpeg), ffprobe: Boolean(tools.ffprobe) },
      'ffmpeg/ffprobe not found: videos are listed with a placeholder poster and without duration; install ffmpeg or set video.ffmpeg and video.ffprobe',
    );
  }
  return tools;
}

async function firstWorking(candidates: Array<string | null>): Promise<string | null> {
  for (const candidate of candidates) {
    if (!candidate) continue;
    const ok = await exec(candidate, ['-version'], { timeout: 10_000 }).then(() => true, () => false);
    if (ok) return candidate;
  }
  return null;
}

function installedPath(pkg: string): string | null {
  try {
    const loaded = createRequire(import.meta.url)(pkg) as { path?: unknown };
    return typeof loaded.path === 'string' ? loaded.path : null;
  } catch {
    return null; // no build for this platform
  }
}

/**
 * A `VideoProber` for the Library, backed by ffprobe's JSON output. A file ffprobe cannot
 * read is still a video (listed, downloadable); the reason is kept for its playback state.
 */
export function createVideoProber(ffprobe: string, timeoutMs = 20_000): VideoProber {
  return async (absPath) => {
    try {
      const { stdout } = await exec(
        ffprobe,
        ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', absPath],
        { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      );
      return parseProbe(stdout);
    } catch (error) {
      return { ...noFacts, streams: encodeStreamFacts({ error: probeError(error as ExecError, absPath) }) };
    }
  };
}

type ExecError = Error & { killed?: boolean; stderr?: string };
const noFacts: VideoFacts = { width: null, height: null, durationMs: null, createdMs: null, streams: null };

/** ffprobe's own complaint, without the server's path in it (clients see this text). */
function probeError(error: ExecError, absPath: string): string {
  if (error.killed) return 'reading the video timed out';
  const line = (error.stderr ?? '').trim().split('\n').pop() ?? '';
  const text = line.replaceAll(absPath, '').replace(/^[:\s]+/, '').slice(0, 160);
  return `the video cannot be read${text ? ` (${text})` : ''}`;
}

interface ProbeStream {
  codec_type?: string;
  width?: number;
  height?: number;
  tags?: Record<string, string>;
  side_data_list?: Array<{ rotation?: number }>;
}

interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { duration?: string; format_name?: string; tags?: Record<string, string> };
}

/** Pure: ffprobe JSON → display size (rotation applied), duration and creation instant. */
export function parseProbe(json: string): VideoFacts | null {
  let parsed: ProbeOutput;
  try {
    parsed = JSON.parse(json) as ProbeOutput;
  } catch {
    return null;
  }
  const video = parsed.streams?.find((stream) => stream.codec_type === 'video');
  const rotation = Number(video?.side_data_list?.find((side) => side.rotation !== undefined)?.rotation ?? video?.tags?.rotate ?? 0);
  const sideways = Math.abs(rotation) % 180 === 90;
  const width = video?.width && video.width > 0 ? video.width : null;
  const height = video?.height && video.height > 0 ? video.height : null;
  const duration = Number(parsed.format?.duration);
  return {
    width: sideways ? height : width,
    height: sideways ? width : height,
    durationMs: Number.isFinite(duration) && duration > 0 ? Math.round(duration * 1000) : null,
    createdMs: creationTime(parsed.format?.tags, video?.tags),
    streams: encodeStreamFacts(streamFactsFromProbe(parsed)),
  };
}

function creationTime(...tagSets: Array<Record<string, string> | undefined>): number | null {
  for (const tags of tagSets) {
    // Apple's tag keeps the local offset; creation_time is UTC. Either is an instant.
    for (const key of ['com.apple.quicktime.creationdate', 'creation_time']) {
      const value = tags?.[key];
      const ms = value ? Date.parse(value) : NaN;
      // Cameras without a clock write 1904-01-01 / 1970-01-01: not a real date.
      if (Number.isFinite(ms) && ms > Date.UTC(1971, 0, 1)) return ms;
    }
  }
  return null;
}

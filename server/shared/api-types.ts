/**
 * Types of the public HTTP and WebSocket contract, shared by the server and the web client.
 * This module must stay free of runtime imports so the browser bundle can use it.
 */
export type MediaType = 'image' | 'video';
/**
 * Where `takenAt` came from, in the order they are tried: an XMP sidecar, EXIF
 * DateTimeOriginal, XMP in the file, IPTC, EXIF CreateDate, PNG creation time, the video
 * container, the file name, EXIF ModifyDate (an edit time), the file's mtime.
 */
export type TakenAtSource =
  | 'sidecar' | 'exif' | 'xmp' | 'iptc' | 'png' | 'video' | 'filename' | 'modified' | 'mtime';
/**
 * Where the UTC offset of `takenAt` came from: written in the file (the date's own offset or
 * another EXIF offset tag), the GPS clock, the time zone at the GPS position, or the
 * configured time zone.
 */
export type TakenAtOffsetSource = 'file' | 'gps' | 'location' | 'zone';

export interface ApiItem {
  id: string;
  path: string;
  name: string;
  folder: string;
  type: MediaType;
  mime: string;
  /** ISO-8601 with the offset the photo was taken at. */
  takenAt: string;
  takenAtSource: TakenAtSource;
  takenAtOffsetSource: TakenAtOffsetSource;
  width: number | null;
  height: number | null;
  size: number;
  favorite: boolean;
  archived: boolean;
  version: string;
  durationMs: number | null;
  placeholder: string | null;
  camera: { make: string | null; model: string | null } | null;
  gps: { lat: number; lon: number } | null;
  /** `srcset`: width descriptors (`/api/media/ID/image?w=640&v=… 640w, …`); empty when the width is unknown. */
  thumbs: { small: string; large: string; srcset?: string };
  /** Videos only: what `url` plays and whether it can be played yet (see ApiPlayback). */
  playback?: ApiPlayback | null;
  /** The motion of a Live Photo (a short clip beside the still, not listed on its own), else null. */
  livePhoto: LivePhoto | null;
}

/**
 * How a browser plays a video. `url` is the original's bytes when they play everywhere,
 * else a rendition spis prepares in the background (`transcoded`); until it is `ready`,
 * `progress` runs from 0 to 1. `error` says why a video cannot be played (it can still be
 * downloaded from `/original`); `url` is then null.
 */
export interface ApiPlayback {
  ready: boolean;
  url: string | null;
  transcoded: boolean;
  progress: number | null;
  error: string | null;
}

export interface LivePhoto {
  /** The clip's own item id (its original and poster routes work; it is never listed). */
  id: string;
  /** Where to fetch the clip for playback. */
  url: string;
  durationMs: number;
}

export interface ApiItemDetail extends ApiItem {
  exif: Record<string, string | number | null>;
}

export interface MediaPage {
  items: ApiItem[];
  nextCursor: string | null;
}

export interface TimelineBucket {
  year: number;
  month: number;
  count: number;
}

export interface FolderNode {
  name: string;
  path: string;
  /** Items directly in this folder and below it. */
  count: number;
  children: FolderNode[];
}

/** What `GET /api/session` and a successful login answer. */
export interface SessionInfo {
  authRequired: boolean;
  user: { name: string; role: string } | null;
  share: { expiresAt: string | null } | null;
  /** Echo in `X-Spis-CSRF` on every PUT/POST/DELETE made with the cookie. */
  csrfToken: string | null;
  /** Present (true) when this caller may upload. */
  uploads?: boolean;
}

/** A custom command the caller may run (`GET /api/commands`); never its program or arguments. */
export interface ApiCommand {
  name: string;
  label: string;
  icon: string | null;
  hotkey: string | null;
  /** A question to ask before running, when configured. */
  confirm: string | null;
  /** Runs on several items at once. */
  multi: boolean;
}

/** How a run ended (`POST /api/commands/:name`). */
export interface ApiCommandResult {
  command: string;
  ok: boolean;
  /** Why it failed, in words, when it did. */
  error: string | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The first 64 KiB of each. */
  stdout: string;
  stderr: string;
  truncated: { stdout: boolean; stderr: boolean };
}

export interface ApiError {
  error: { code: string; message: string };
}

export type IndexPhase = 'walking' | 'reading' | 'watching';

export type ServerMessage =
  | { type: 'hello'; version: string; count: number }
  | { type: 'media.added'; item: ApiItem; uploadedBy?: string }
  | { type: 'media.updated'; item: ApiItem }
  | { type: 'media.removed'; id: string }
  | { type: 'index.progress'; phase: IndexPhase; done: number; total: number }
  | { type: 'index.completed'; count: number };

/** What `POST /api/uploads` answers for one file (201). */
export interface UploadResult {
  item: ApiItem;
  /** The same bytes were already in the library: nothing was written, this is that item. */
  duplicate: boolean;
  /** Named outputs rendered before answering (`?outputs=`), name → URL. */
  outputs?: Record<string, string>;
}

/** A multipart upload answers one entry per file part, in order. */
export type UploadFileOutcome = ({ name: string } & UploadResult) | { name: string; error: ApiError['error'] };

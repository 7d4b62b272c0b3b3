/**
 * Types of the public HTTP and WebSocket contract, shared by the server and the web client.
 * This module must stay free of runtime imports so the browser bundle can use it.
 */
export type MediaType = 'image' | 'video';
export type TakenAtSource = 'exif' | 'video' | 'filename' | 'mtime';

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
  thumbs: { small: string; large: string };
  /** Videos only: what `url` plays and whether it can be played yet (see ApiPlayback). */
  playback?: ApiPlayback | null;
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
}

export interface ApiError {
  error: { code: string; message: string };
}

export type IndexPhase = 'walking' | 'reading' | 'watching';

export type ServerMessage =
  | { type: 'hello'; version: string; count: number }
  | { type: 'media.added'; item: ApiItem }
  | { type: 'media.updated'; item: ApiItem }
  | { type: 'media.removed'; id: string }
  | { type: 'index.progress'; phase: IndexPhase; done: number; total: number }
  | { type: 'index.completed'; count: number };

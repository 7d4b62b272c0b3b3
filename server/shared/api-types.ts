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

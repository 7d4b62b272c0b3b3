/** Output formats and the two fixed renditions; pure data shared by routes and renderers. */
/** `gif` only for transforms asked for it by name; thumbnails are never GIF. */
export type OutputFormat = 'jpeg' | 'webp' | 'avif' | 'png' | 'gif';
export type Rendition = 'small' | 'large';

/** Longest edge each rendition fits into (aspect kept, never enlarged). */
export const renditionBox: Readonly<Record<Rendition, number>> = { small: 400, large: 2048 };

export const mimeOf: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
  png: 'image/png',
  gif: 'image/gif',
};

export const isRendition = (value: unknown): value is Rendition => value === 'small' || value === 'large';

export interface FormatPolicy {
  avif: boolean;
  webp: boolean;
}

import type { MediaType } from '../shared/api-types.js';

/** Extensions worth reading at all; anything else (sidecars, documents) is passed over. */
export const mediaExtensions = new Set([
  'jpg', 'jpeg', 'png', 'webp', 'avif', 'gif', 'tif', 'tiff', 'heic', 'heif',
  'mp4', 'mov', 'm4v', 'webm',
  // Played through a rendition (server/video): camcorders, old cameras and phones, PCs.
  'mkv', 'avi', '3gp', '3g2', 'mts', 'm2ts', 'wmv', 'asf',
]);

/** MIME types accepted by content sniffing, with the kind of media each one is. */
export const supportedMimes: Readonly<Record<string, MediaType>> = {
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/webp': 'image',
  'image/avif': 'image',
  'image/gif': 'image',
  'image/tiff': 'image',
  'image/heic': 'image',
  'image/heif': 'image',
  'image/heic-sequence': 'image',
  'image/heif-sequence': 'image',
  'video/mp4': 'video',
  'video/quicktime': 'video',
  'video/x-m4v': 'video',
  'video/webm': 'video',
  'video/matroska': 'video',
  'video/x-matroska': 'video',
  'video/vnd.avi': 'video',
  'video/x-msvideo': 'video',
  'video/3gpp': 'video',
  'video/3gpp2': 'video',
  'video/mp2t': 'video',
  'video/x-ms-asf': 'video',
};

export function hasMediaExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && mediaExtensions.has(name.slice(dot + 1).toLowerCase());
}

export const isHidden = (name: string) => name.startsWith('.');

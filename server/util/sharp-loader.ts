import type Sharp from 'sharp';

let loading: Promise<typeof Sharp> | null = null;

/**
 * sharp (and libvips with it) loaded on first use, not at start-up: it adds ~33 MiB of
 * resident memory, which a server that only lists and serves thumbnails already on disk
 * never needs (background renders run in their own process).
 */
export function loadSharp(): Promise<typeof Sharp> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    // libvips' own operation cache (50 MB by default) pays off when one image is processed
    // again and again; here nearly every render reads another file, and finished renditions
    // are cached by spis itself, so it would only hold memory (measured by the soak bench).
    sharp.cache(false);
    return sharp;
  });
  return loading;
}

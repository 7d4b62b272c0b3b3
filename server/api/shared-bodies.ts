import zlib from 'node:zlib';

/** The encodings the API compresses with, and their settings (see compression.ts). */
export type BodyEncoding = 'br' | 'gzip';

export const ENCODING_OPTIONS = {
  // Quality 4 is brotli's cheap setting: smaller than gzip -6 at a similar CPU cost.
  br: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
  gzip: { level: 6 },
} as const;

/**
 * Response bodies that answer many requests unchanged (cached listing pages), with their
 * encoded forms made once and kept beside them. Compressing the same 50 KB page for every
 * phone that scrolls was the most expensive part of a listing after JSON; an encoded form
 * lives exactly as long as the body it was made from (weakly held: whoever caches the body
 * bounds both).
 */
const shared = new WeakMap<Buffer, Partial<Record<BodyEncoding, Buffer>>>();

/** Marks `body` as reused as is by later requests, so its encoded forms are worth keeping. */
export function shareBody(body: Buffer): Buffer {
  shared.set(body, {});
  return body;
}

export function isShared(body: unknown): body is Buffer {
  return Buffer.isBuffer(body) && shared.has(body);
}

/** The encoded form of a shared body, made on first use. */
export function encodedBody(body: Buffer, encoding: BodyEncoding): Buffer {
  const forms = shared.get(body);
  if (!forms) throw new Error('not a shared body');
  return (forms[encoding] ??= encoding === 'br' ? zlib.brotliCompressSync(body, ENCODING_OPTIONS.br) : zlib.gzipSync(body, ENCODING_OPTIONS.gzip));
}

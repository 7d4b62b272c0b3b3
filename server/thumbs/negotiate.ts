import type { FormatPolicy, OutputFormat } from './formats.js';

/**
 * Picks the best thumbnail format a client accepts: AVIF (when enabled), then WebP, then JPEG.
 * Only an explicit `image/avif` / `image/webp` counts: `*\/*` is sent by clients (curl, old
 * browsers, scripts) that may well not decode the newer formats, and JPEG is always safe.
 */
export function negotiateFormat(accept: string | undefined, policy: FormatPolicy): 'avif' | 'webp' | 'jpeg' {
  const accepted = explicitImageTypes(accept ?? '');
  if (policy.avif && accepted.has('avif')) return 'avif';
  if (policy.webp && accepted.has('webp')) return 'webp';
  return 'jpeg';
}

/** The format pre-generation renders: what a current browser will ask for. */
export function preferredFormat(policy: FormatPolicy): OutputFormat {
  return policy.avif ? 'avif' : policy.webp ? 'webp' : 'jpeg';
}

function explicitImageTypes(accept: string): Set<string> {
  const found = new Set<string>();
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (!type.startsWith('image/')) continue;
    const q = params.find((param) => param.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    if (Number.isFinite(weight) && weight > 0) found.add(type.slice('image/'.length));
  }
  return found;
}

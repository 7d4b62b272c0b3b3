import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe. Only the digest is ever stored. */
export function newSecretToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** Tokens are high-entropy, so a plain SHA-256 (no salt, no stretching) is a safe stored form. */
export function digestToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

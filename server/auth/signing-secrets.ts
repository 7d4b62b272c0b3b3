import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The secrets that sign URLs: `auth.signingSecrets` from the config when given (first one
 * signs, all verify, for rotation); otherwise one generated into the data folder on first
 * use, so `spis sign-url` and the server agree without any setup.
 */
export async function loadSigningSecrets(
  configured: readonly string[],
  dataDir: string,
  shared?: { signingSecret(generate: () => string): Promise<string> },
): Promise<string[]> {
  if (configured.length > 0) return [...configured];
  // Replicas must agree: the first to start stores one in the shared store.
  if (shared) return [await shared.signingSecret(generateSecret)];
  const file = path.join(dataDir, 'auth', 'signing-secret');
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing && existing.trim().length >= 32) return [existing.trim()];
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = generateSecret();
  await writeFileAtomic(file, secret + '\n');
  return [secret];
}

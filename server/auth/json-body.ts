import type { Context } from 'koa';
import { AppError } from '../api/errors.js';

/** Small JSON bodies only: logins, share requests. Anything bigger is refused before it is read. */
export const JSON_BODY_LIMIT = 16 * 1024;

/**
 * Reads and parses a JSON object body. Requiring `Content-Type: application/json` also keeps
 * cross-site HTML forms out: a browser cannot send that type cross-site without a CORS
 * preflight, which spis never grants.
 */
export async function readJsonBody(ctx: Context, limit = JSON_BODY_LIMIT): Promise<Record<string, unknown>> {
  if (!ctx.is('application/json')) throw new AppError('invalid_body', 'expected a JSON body with Content-Type: application/json');
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limit) throw new AppError('payload_too_large', `a JSON body has at most ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new AppError('payload_too_large', `a JSON body has at most ${limit} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AppError('invalid_body', 'the body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('invalid_body', 'expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}

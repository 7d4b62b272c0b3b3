import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.
 * The timestamp is inside the signed text so a captured delivery cannot be replayed later
 * with a fresh `X-Spis-Timestamp`. Pure: no I/O, so receivers' examples can be checked here.
 */
export const SIGNATURE_PREFIX = 'sha256=';

export function signPayload(secret: string, timestamp: number | string, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return SIGNATURE_PREFIX + mac;
}

export interface VerifyOptions {
  /** Seconds a timestamp may lie from `nowSeconds`; 0 disables the check. */
  toleranceSeconds?: number;
  nowSeconds?: number;
}

/** Constant-time check of a signature header, with an optional freshness window. */
export function verifySignature(
  secret: string,
  timestamp: string,
  body: string,
  header: string | null | undefined,
  { toleranceSeconds = 0, nowSeconds = Math.floor(Date.now() / 1000) }: VerifyOptions = {},
): boolean {
  if (!header || !header.startsWith(SIGNATURE_PREFIX) || !/^\d+$/.test(timestamp)) return false;
  if (toleranceSeconds > 0 && Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * The one catalogue of errors a client can see. Each code has a fixed HTTP status;
 * `expose` is false for server faults, whose details go to the log, never to the client.
 */
export const errorCatalogue = {
  invalid_parameter: { status: 400, expose: true },
  invalid_body: { status: 400, expose: true },
  unauthorized: { status: 401, expose: true },
  forbidden: { status: 403, expose: true },
  not_found: { status: 404, expose: true },
  method_not_allowed: { status: 405, expose: true },
  not_acceptable: { status: 406, expose: true },
  payload_too_large: { status: 413, expose: true },
  url_refused: { status: 400, expose: true },
  request_timeout: { status: 408, expose: true },
  unsupported_media_type: { status: 415, expose: true },
  range_not_satisfiable: { status: 416, expose: true },
  unprocessable_media: { status: 422, expose: true },
  rate_limited: { status: 429, expose: true },
  internal: { status: 500, expose: false },
  url_fetch_failed: { status: 502, expose: true },
  unavailable: { status: 503, expose: true },
  insufficient_storage: { status: 507, expose: true },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export class AppError extends Error {
  readonly status: number;
  readonly expose: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorCatalogue[code].status;
    this.expose = errorCatalogue[code].expose;
  }
}

/** "limit: expected an integer from 1 to 500, got "abc"" — name, expectation, what came. */
export function invalidParameter(name: string, expected: string, got: unknown): AppError {
  const shown = typeof got === 'string' ? JSON.stringify(got.length > 60 ? got.slice(0, 60) + '…' : got) : String(got);
  return new AppError('invalid_parameter', `${name}: expected ${expected}, got ${shown}`);
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);

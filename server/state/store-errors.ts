import { AppError } from '../api/errors.js';

/** What a write meets while the shared state store is away: 503, nothing half-applied. */
export function storeUnavailable(): AppError {
  return new AppError('unavailable', 'the state store is unreachable; try again shortly', {
    'Retry-After': '5',
  });
}

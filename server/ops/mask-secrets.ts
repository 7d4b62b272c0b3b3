/** Keys whose values are secrets wherever they appear in the configuration. */
const SECRET_KEY = /secret|password|token|passphrase|credential/i;

/**
 * A copy of a configuration value with every secret replaced by a marker that says it is
 * set and how long it is (enough to spot an empty or truncated secret, nothing to leak).
 * Passwords inside URLs (`https://user:pw@host`) are masked too. Pure.
 */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((entry) => maskSecrets(entry, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, maskSecrets(inner, name)]));
  }
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) return value === '' ? '' : `[secret, ${value.length} characters]`;
    return maskUrlPassword(value);
  }
  return value;
}

function maskUrlPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^@/\s]+@/i, '$1:[secret]@');
}

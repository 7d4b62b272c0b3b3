/**
 * Replaces `${NAME}` in every string of a parsed JSON config with the environment value,
 * so secrets can stay out of the file. A missing variable is an error, not an empty string,
 * because a silently empty secret or path is worse than refusing to start.
 */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  missing: string[],
  path = '',
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) {
        missing.push(`${path || '(root)'}: environment variable ${name} is not set`);
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value)) {
    return value.map((entry, i) => interpolateEnv(entry, env, missing, `${path}[${i}]`));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [
        key,
        interpolateEnv(entry, env, missing, path ? `${path}.${key}` : key),
      ]),
    );
  }
  return value;
}

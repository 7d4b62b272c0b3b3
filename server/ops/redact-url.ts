/** Query parameters whose values never reach a log line. */
const SECRET_PARAMS = new Set(['sig', 'signature', 'token', 'password', 'secret', 'key', 'access_token', 'code']);

/**
 * The request URL as logged: path and query with secret values replaced. Pure, so the rule
 * is tested alone. Share tokens in the path (`/api/shares/:token`) are covered by logging the
 * matched route pattern next to it; this only handles the query.
 */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url.slice(mark + 1);
  const parts = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // keep the raw name: a malformed escape is still matched literally
    }
    return SECRET_PARAMS.has(name.toLowerCase()) ? `${rawName}=[redacted]` : pair;
  });
  return `${url.slice(0, mark)}?${parts.join('&')}`;
}

/**
 * The server keeps share tokens only as digests, so it can list a link but not give its URL
 * again. This browser remembers the URLs of the links it made (by the listed `id`), so the
 * share links page can copy those; others can only be revoked.
 */
const KEY = 'spis.shareLinks';

function read(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export function keepLink(id: string, url: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...read(), [id]: url }));
  } catch {
    // storage full or disabled: the link can still be copied from where it was shown
  }
}

export function keptLink(id: string): string | null {
  return read()[id] ?? null;
}

export function forgetLinksExcept(ids: ReadonlySet<string>): void {
  const kept = Object.entries(read()).filter(([id]) => ids.has(id));
  try {
    localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(kept)));
  } catch {
    // nothing to tidy
  }
}

import { api, type ListedShare } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { forgetLinksExcept, keptLink } from '../lib/kept-links.js';

function when(iso: string | null, never = 'never'): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : never;
}

function what(share: ListedShare): string {
  if (share.items !== null) return share.items === 1 ? '1 photo or video' : `${share.items} photos and videos`;
  const parts = Object.entries(share.filter ?? {}).map(([key, value]) => `${key} ${String(value)}`);
  return parts.length ? `Everything matching ${parts.join(', ')}` : 'The whole library';
}

/**
 * `/shares`: the share links a member made (an admin: all of them), what each shows, when
 * it was made and ends, whether it has a password and how often it was opened; copy the
 * ones this browser made, revoke any.
 */
export async function showShareLinks(root: HTMLElement): Promise<void> {
  const status = h('p.muted', { role: 'status' }, 'Loading…');
  const list = h('ul.share-list');
  root.replaceChildren(
    h('section.share-page', { 'aria-labelledby': 'share-page-title' }, h('a.text-button', { href: '/' }, '← Photos'), h('h2', { id: 'share-page-title' }, 'Share links'), status, list),
  );
  let shares: ListedShare[];
  try {
    shares = (await api.shares()).shares;
  } catch (error) {
    status.textContent = `The links could not be loaded: ${(error as Error).message}`;
    return;
  }
  forgetLinksExcept(new Set(shares.map((s) => s.id)));
  status.textContent = shares.length ? `${shares.length} active ${shares.length === 1 ? 'link' : 'links'}` : 'No active share links.';
  for (const share of shares) {
    const url = keptLink(share.id);
    const copy = h('button.text-button', { type: 'button', disabled: url === null, title: url ? 'Copy the link' : 'Made in another browser: only revoking is possible' }, 'Copy');
    const revoke = h('button.text-button.danger', { type: 'button' }, 'Revoke');
    const facts = h(
      'dl.share-facts',
      {},
      h('dt', {}, 'Made'),
      h('dd', {}, when(share.createdAt)),
      h('dt', {}, 'Expires'),
      h('dd', {}, when(share.expiresAt)),
      h('dt', {}, 'Password'),
      h('dd', {}, share.password ? 'yes' : 'no'),
      h('dt', {}, 'Views'),
      h('dd', {}, String(share.views)),
    );
    const entry = h('li.share-entry', { 'data-id': share.id }, h('strong', {}, what(share)), facts, h('div.panel-actions', {}, copy, revoke));
    copy.addEventListener('click', () => {
      if (url) void navigator.clipboard?.writeText(url).then(() => (status.textContent = 'Link copied.'), () => (status.textContent = url));
    });
    revoke.addEventListener('click', () => {
      revoke.disabled = true;
      api.revokeShare(share.id).then(
        () => {
          entry.remove();
          status.textContent = 'Link revoked: it no longer opens, and whoever had it open is signed out.';
        },
        (error: Error) => {
          revoke.disabled = false;
          status.textContent = `Could not revoke: ${error.message}`;
        },
      );
    });
    list.append(entry);
  }
}

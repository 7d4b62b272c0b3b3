import { h } from '../lib/dom.js';
import { openShare, ShareOpenError } from '../lib/session.js';
import { showCredentialForm } from './credential-form.js';

/**
 * Opens a share link before the app starts: at once when it has no password, otherwise
 * behind a password form. Resolves once the share's cookie is set; a dead link leaves a
 * message in `root` and never resolves.
 */
export function openShareLink(root: HTMLElement, token: string): Promise<void> {
  return new Promise((resolve) => {
    const fail = (message: string) => root.replaceChildren(h('div.state-card', { role: 'alert' }, h('h2', {}, 'This link does not open'), h('p', {}, message)));
    openShare(token).then(resolve, (error: Error) => {
      if (error instanceof ShareOpenError && error.needsPassword) showPasswordForm(root, token, resolve);
      else fail(error.message);
    });
  });
}

function showPasswordForm(root: HTMLElement, token: string, done: () => void): void {
  const pass = h('input', { id: 'share-pass', name: 'password', type: 'password', autocomplete: 'off', required: true });
  showCredentialForm(root, {
    title: 'Shared photos',
    intro: 'Whoever shared these photos gave the link a password.',
    fields: [{ input: pass, label: 'Password' }],
    submitLabel: 'Open',
    attempt: () => openShare(token, pass.value).then(done),
    explain: (failure) => failure.message,
  });
}

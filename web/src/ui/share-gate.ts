import { h } from '../lib/dom.js';
import { openShare, ShareOpenError } from '../lib/session.js';

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
  const error = h('p.form-error', { role: 'alert', hidden: true });
  const submit = h('button.primary', { type: 'submit' }, 'Open');
  const form = h(
    'form.state-card.login',
    {},
    h('h2', {}, 'Shared photos'),
    h('p', {}, 'Whoever shared these photos gave the link a password.'),
    h('div.field', {}, h('label', { for: pass.id }, 'Password'), pass),
    error,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    openShare(token, pass.value).then(done, (failure: Error) => {
      submit.disabled = false;
      error.hidden = false;
      error.textContent = failure.message;
      pass.select();
    });
  });
  root.replaceChildren(form);
  pass.focus();
}

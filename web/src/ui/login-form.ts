import { h } from '../lib/dom.js';
import { logIn, type SessionInfo } from '../lib/session.js';
import { showCredentialForm } from './credential-form.js';

/** Shown instead of the timeline when the server has users and nobody is logged in. */
export function showLogin(root: HTMLElement, onDone: (info: SessionInfo) => void): void {
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' });
  const pass = h('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  showCredentialForm(root, {
    title: 'Sign in to see the photos',
    fields: [
      { input: user, label: 'Name' },
      { input: pass, label: 'Password' },
    ],
    submitLabel: 'Sign in',
    attempt: () => logIn(user.value, pass.value).then(onDone),
    explain: (failure) => `${failure.message}. Ask whoever runs this server for an account.`,
  });
}

import { h } from '../lib/dom.js';
import { logIn, type SessionInfo } from '../lib/session.js';

/** Shown instead of the timeline when the server has users and nobody is logged in. */
export function showLogin(root: HTMLElement, onDone: (info: SessionInfo) => void): void {
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' });
  const pass = h('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p.form-error', { role: 'alert', hidden: true });
  const submit = h('button.primary', { type: 'submit' }, 'Sign in');
  const form = h(
    'form.state-card.login',
    {},
    h('h2', {}, 'Sign in to see the photos'),
    h('div.field', {}, h('label', { for: user.id }, 'Name'), user),
    h('div.field', {}, h('label', { for: pass.id }, 'Password'), pass),
    error,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    logIn(user.value, pass.value).then(
      (info) => onDone(info),
      (failure: Error) => {
        submit.disabled = false;
        error.hidden = false;
        error.textContent = `${failure.message}. Ask whoever runs this server for an account.`;
        pass.select();
      },
    );
  });
  root.replaceChildren(form);
  user.focus();
}

import { h } from '../lib/dom.js';

export interface CredentialField {
  input: HTMLInputElement;
  label: string;
}

export interface CredentialFormOptions {
  title: string;
  intro?: string;
  fields: CredentialField[];
  submitLabel: string;
  /** Runs on submit; a rejection shows `explain(error)` and lets the visitor try again. */
  attempt: () => Promise<void>;
  explain: (error: Error) => string;
}

/**
 * A sign-in style card in place of the timeline: labelled fields, an error line read out to
 * screen readers, one button. Shared by the login and the share-link password forms.
 */
export function showCredentialForm(root: HTMLElement, options: CredentialFormOptions): void {
  const error = h('p.form-error', { role: 'alert', hidden: true });
  const submit = h('button.primary', { type: 'submit' }, options.submitLabel);
  const form = h(
    'form.state-card.login',
    {},
    h('h2', {}, options.title),
    ...(options.intro ? [h('p', {}, options.intro)] : []),
    ...options.fields.map(({ input, label }) => h('div.field', {}, h('label', { for: input.id }, label), input)),
    error,
    submit,
  );
  const last = options.fields[options.fields.length - 1]!.input;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    options.attempt().catch((failure: Error) => {
      submit.disabled = false;
      error.hidden = false;
      error.textContent = options.explain(failure);
      last.select();
    });
  });
  root.replaceChildren(form);
  options.fields[0]!.input.focus();
}

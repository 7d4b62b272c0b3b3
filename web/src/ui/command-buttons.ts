import type { ApiCommand } from '../../../server/shared/api-types.js';
import { h } from '../lib/dom.js';
import { Emitter } from '../lib/emitter.js';

interface CommandButtonEvents extends Record<string, unknown> {
  run: { command: ApiCommand };
}

/** One button per custom command, in a group of its own inside a toolbar. */
export class CommandButtons extends Emitter<CommandButtonEvents> {
  readonly root = h('span.command-buttons');

  constructor(commands: readonly ApiCommand[]) {
    super();
    for (const command of commands) {
      const title = command.hotkey ? `${command.label} (${command.hotkey.toUpperCase()})` : command.label;
      const button = h(
        'button.text-button.command-button',
        { type: 'button', title, 'aria-label': command.label, 'data-command': command.name, ...(command.hotkey ? { 'aria-keyshortcuts': command.hotkey } : {}) },
        ...(command.icon ? [h('span.command-icon', { 'aria-hidden': 'true' }, command.icon)] : []),
        h('span.label', {}, command.label),
      );
      button.addEventListener('click', () => this.emit('run', { command }));
      this.root.append(button);
    }
    this.root.hidden = commands.length === 0;
  }

  busy(name: string | null): void {
    for (const button of this.root.querySelectorAll('button')) button.disabled = name !== null;
  }
}

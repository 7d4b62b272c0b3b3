import type { ApiCommand, ApiCommandResult } from '../../../server/shared/api-types.js';
import { commandsApi } from '../lib/commands-api.js';
import { plural } from '../lib/format.js';
import { CommandButtons } from '../ui/command-buttons.js';
import type { Lightbox } from '../ui/lightbox.js';
import type { Toasts } from '../ui/toasts.js';

export interface CommandTargets {
  lightbox: Lightbox;
  /** Where the lightbox's action buttons sit. */
  lightboxActions: HTMLElement;
  selectionBar: HTMLElement;
  /** The ids selected in the timeline, and a way to clear them after a run. */
  selection: { readonly ids: string[]; clear(): void };
  toasts: Toasts;
}

/**
 * Custom commands in the web app: buttons in the lightbox (every command the user may run,
 * on the open item) and in the selection bar (commands that take several items), their
 * hotkeys, the configured confirmation, and the result or error in a toast.
 */
export class CommandController {
  private running: string | null = null;
  private readonly groups: CommandButtons[] = [];

  constructor(private readonly targets: CommandTargets) {}

  async start(): Promise<void> {
    const commands = await commandsApi.list().catch(() => []);
    if (commands.length === 0) return;
    const inLightbox = new CommandButtons(commands);
    const inSelection = new CommandButtons(commands.filter((command) => command.multi));
    this.targets.lightboxActions.prepend(inLightbox.root);
    this.targets.selectionBar.append(inSelection.root);
    this.groups.push(inLightbox, inSelection);
    inLightbox.on('run', ({ command }) => {
      const id = this.targets.lightbox.currentId;
      if (id) void this.run(command, [id]);
    });
    inSelection.on('run', ({ command }) => void this.run(command, this.targets.selection.ids, true));
    document.addEventListener('keydown', (event) => this.onKey(event, commands));
  }

  private onKey(event: KeyboardEvent, commands: readonly ApiCommand[]): void {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLSelectElement) return;
    const command = commands.find((candidate) => candidate.hotkey === event.key.toLowerCase());
    if (!command) return;
    const open = this.targets.lightbox.currentId;
    const selected = this.targets.selection.ids;
    if (open) void this.run(command, [open]);
    else if (command.multi && selected.length > 0) void this.run(command, selected, true);
    else return;
    event.preventDefault();
  }

  private async run(command: ApiCommand, ids: string[], fromSelection = false): Promise<void> {
    if (this.running || ids.length === 0) return;
    if (command.confirm && !window.confirm(command.confirm)) return;
    this.running = command.name;
    for (const group of this.groups) group.busy(command.name);
    const { toasts } = this.targets;
    toasts.show(`${command.label}: running on ${plural(ids.length, 'item')}…`, { key: 'command', timeoutMs: 60_000 });
    try {
      const result = await commandsApi.run(command.name, ids);
      toasts.show(describe(command, result), { key: 'command', timeoutMs: result.ok ? 6000 : 15_000 });
      if (result.ok && fromSelection) this.targets.selection.clear();
    } catch (error) {
      toasts.show(`${command.label} did not run: ${(error as Error).message}`, { key: 'command', timeoutMs: 15_000 });
    } finally {
      this.running = null;
      for (const group of this.groups) group.busy(null);
    }
  }
}

/** "Label: done — first line of its output", or what went wrong with the first line of stderr. */
function describe(command: ApiCommand, result: ApiCommandResult): string {
  const firstLine = (text: string) => text.trim().split('\n')[0]?.slice(0, 200) ?? '';
  if (result.ok) {
    const said = firstLine(result.stdout);
    return said ? `${command.label}: done — ${said}` : `${command.label}: done.`;
  }
  const said = firstLine(result.stderr) || firstLine(result.stdout);
  return `${command.label} failed: ${result.error ?? 'unknown error'}${said ? ` — ${said}` : ''}`;
}

import { AppError, invalidParameter, notFound } from '../api/errors.js';
import type { Role } from '../auth/roles.js';
import type { ApiCommand, ApiCommandResult } from '../shared/api-types.js';
import type { Library } from '../media/library.js';
import type { MediaRecord } from '../media/record.js';
import { formatIsoWithOffset } from '../media/wall-clock.js';
import type { Logger } from '../ops/logger.js';
import { Limiter } from '../util/limiter.js';
import type { CommandConfig } from './command-config.js';
import { expandArgv, type PlaceholderItem } from './placeholders.js';
import { runProgram, type RunResult } from './runner.js';

export type CommandInfo = ApiCommand;
export type CommandOutcome = ApiCommandResult;

/** Who asks: a user or token with a role, or the lone local user of a server without users. */
export interface Caller {
  name: string;
  role: Role;
}

export const MAX_OUTPUT_BYTES = 64 * 1024;
export const MAX_ITEMS = 500;

/** Custom commands: who may run which, on what, one run at a time per command, audited. */
export class CommandService {
  private readonly byName: Map<string, CommandConfig>;
  private readonly queues = new Map<string, Limiter>();

  constructor(
    commands: readonly CommandConfig[],
    private readonly options: { library: Library; dataDir: string; log: Logger },
  ) {
    this.byName = new Map(commands.map((command) => [command.name, command]));
  }

  /** The commands this caller may run, in configured order. */
  list(caller: Caller): CommandInfo[] {
    return [...this.byName.values()].filter((command) => mayRun(command, caller)).map(infoOf);
  }

  async run(name: string, ids: unknown, caller: Caller): Promise<CommandOutcome> {
    return (await this.start(name, ids, caller)).done;
  }

  /**
   * Checks the request (unknown command, role, items: thrown here, before anything runs),
   * then starts the run; `done` settles when it ends. `onOutput` sees the kept output as it
   * comes, for answers streamed while a long command runs.
   */
  async start(name: string, ids: unknown, caller: Caller, onOutput?: (channel: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<{ done: Promise<CommandOutcome> }> {
    const command = this.byName.get(name);
    if (!command) throw notFound('command');
    if (!mayRun(command, caller)) throw new AppError('forbidden', `this command needs the role ${command.roles.join(' or ')}`);
    const records = this.recordsOf(ids, command);
    const items = await Promise.all(records.map((record) => this.placeholderItem(record)));
    const argv = expandArgv(command.argv, items);
    const queue = this.queues.get(name) ?? new Limiter(1);
    this.queues.set(name, queue);
    const done = queue
      .run(() => runProgram(argv, { cwd: this.options.dataDir, env: environment(command, caller), timeoutMs: command.timeoutSeconds * 1000, maxOutputBytes: MAX_OUTPUT_BYTES, ...(onOutput ? { onOutput } : {}) }))
      .then((result) => this.audit(name, records, caller, outcomeOf(command, result)));
    return { done };
  }

  private audit(name: string, records: MediaRecord[], caller: Caller, outcome: CommandOutcome): CommandOutcome {
    // The audit line: who ran what on which items, and how it ended (never the output).
    this.options.log.info(
      {
        audit: 'command',
        command: name,
        user: caller.name,
        role: caller.role,
        ids: records.map((record) => record.id),
        ok: outcome.ok,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        timedOut: outcome.timedOut,
        durationMs: outcome.durationMs,
      },
      outcome.ok ? 'command ran' : `command failed: ${outcome.error}`,
    );
    return outcome;
  }

  private recordsOf(ids: unknown, command: CommandConfig): MediaRecord[] {
    const most = command.multi ? MAX_ITEMS : 1;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > most || !ids.every((id) => typeof id === 'string')) {
      throw invalidParameter('ids', command.multi ? `a list of 1 to ${MAX_ITEMS} item ids` : 'a list with one item id (this command takes one item)', JSON.stringify(ids)?.slice(0, 60));
    }
    return [...new Set(ids as string[])].map((id) => {
      const record = this.options.library.index.getById(id);
      if (!record) throw notFound('media item');
      return record;
    });
  }

  private async placeholderItem(record: MediaRecord): Promise<PlaceholderItem> {
    const abs = await this.options.library.resolveFile(record);
    if (!abs) throw notFound('media file');
    return { id: record.id, path: abs, relpath: record.path, takenAt: formatIsoWithOffset(record.takenAtMs, record.offsetMin) };
  }
}

function mayRun(command: CommandConfig, caller: Caller): boolean {
  // Roles are listed, not ranked: `["member"]` lets members run it, and admins always may.
  return caller.role === 'admin' || command.roles.includes(caller.role);
}

const infoOf = (command: CommandConfig): CommandInfo => ({
  name: command.name,
  label: command.label,
  icon: command.icon ?? null,
  hotkey: command.hotkey ?? null,
  confirm: command.confirm ?? null,
  multi: command.multi,
});

/** A clean environment: a fixed PATH and locale, who asked, and the configured variables. */
function environment(command: CommandConfig, caller: Caller): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    SPIS_COMMAND: command.name,
    SPIS_USER: caller.name,
    ...command.env,
  };
}

function outcomeOf(command: CommandConfig, result: RunResult): CommandOutcome {
  let error: string | null = null;
  if (result.spawnError) error = `the program could not be started (${result.spawnError})`;
  else if (result.timedOut) error = `stopped after ${command.timeoutSeconds} s (the command's timeoutSeconds)`;
  else if (result.signal) error = `ended by signal ${result.signal}`;
  else if (result.exitCode !== 0) error = `exited with status ${result.exitCode}`;
  return {
    command: command.name,
    ok: error === null,
    error,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    stdout: result.stdout,
    stderr: result.stderr,
    truncated: result.truncated,
  };
}

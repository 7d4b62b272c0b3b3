/** One `spis` sub-command. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** A mistake in how a command was called: printed as is, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

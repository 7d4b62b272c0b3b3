import { parseArgs, type ParseArgsConfig } from 'node:util';
import { options } from '../config/options.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Flags every command that reads configuration understands. */
export function configFlags(): OptionsConfig {
  const flags: OptionsConfig = { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } };
  for (const spec of options) {
    flags[spec.flag] = { type: spec.kind === 'boolean' ? 'boolean' : 'string' };
    if (spec.kind === 'boolean') flags[`no-${spec.flag}`] = { type: 'boolean' };
  }
  return flags;
}

export interface ParsedCommandLine {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses a command's arguments; unknown flags are an error naming the flag. */
export function parseCommandLine(argv: string[], extra: OptionsConfig = {}): ParsedCommandLine {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...configFlags(), ...extra },
    allowPositionals: true,
    strict: true,
  });
  return { values: values as ParsedCommandLine['values'], positionals };
}

/** Builds the configuration from flags, `SPIS_*` and the config file. */
export function configFromCommandLine(values: ParsedCommandLine['values']): LoadedConfig {
  const flags: Record<string, string | boolean> = {};
  for (const spec of options) {
    const value = values[spec.flag];
    if (value !== undefined) flags[spec.path] = value;
    if (values[`no-${spec.flag}`] === true) flags[spec.path] = false;
  }
  return loadConfig({ flags, file: typeof values.config === 'string' ? values.config : undefined });
}

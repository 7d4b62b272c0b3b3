import { configSchema } from '../config/schema.js';
import { options } from '../config/options.js';

/** `--help` text for the configuration flags, with each default read from the schema. */
export function configHelp(): string {
  const defaults = configSchema.parse({}) as unknown as Record<string, unknown>;
  const lines = options.map((spec) => {
    const value = spec.path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], defaults);
    const shown = value === '' ? '(none)' : JSON.stringify(value);
    const flag = spec.kind === 'boolean' ? `--[no-]${spec.flag}` : `--${spec.flag} VALUE`;
    return `  ${flag.padEnd(30)} ${spec.help}\n  ${''.padEnd(30)} default ${shown}; env ${spec.env}`;
  });
  return [
    'Configuration (flags override SPIS_* environment, which overrides the config file):',
    `  ${'-c, --config FILE'.padEnd(30)} JSON config file (env SPIS_CONFIG); \${VAR} is replaced from the environment`,
    ...lines,
  ].join('\n');
}

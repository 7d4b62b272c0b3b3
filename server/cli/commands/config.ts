import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { configHelp } from '../help.js';
import { checkEnvironment } from '../../ops/config-checks.js';
import { maskSecrets } from '../../ops/mask-secrets.js';

/**
 * `spis config check`: validates every source together (file, SPIS_* environment, flags),
 * prints the effective configuration with secrets masked, then checks the folders and files
 * it names. A broken configuration lists every problem at once and exits 78 (EX_CONFIG).
 */
export const configCommand: Command = {
  name: 'config',
  summary: 'check the configuration and print it with secrets masked',
  usage: `spis config check [options]\n\nValidates the configuration (every problem is listed at once) and prints the\neffective settings as JSON on standard output with secrets masked. Then checks that\nthe media folder is readable and the data folder writable.\nExit status: 0 valid, 1 valid but the machine is not ready, 78 invalid configuration.\n\n${configHelp()}`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv);
    if (positionals[0] !== 'check' || positionals.length > 1) {
      throw new UsageError(`expected "spis config check", got "${['config', ...positionals].join(' ')}"`);
    }
    const { config, file } = configFromCommandLine(values); // ConfigError → every problem, exit 78
    process.stdout.write(`${JSON.stringify(maskSecrets(config), null, 2)}\n`);
    process.stderr.write(`configuration is valid${file ? ` (file ${file})` : ' (no config file)'}\n`);
    const results = await checkEnvironment(config);
    for (const result of results) process.stderr.write(`  ${result.level.padEnd(5)} ${result.message}\n`);
    return results.some((result) => result.level === 'error') ? 1 : 0;
  },
};

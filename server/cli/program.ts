import { ConfigError } from '../config/load.js';
import { version } from '../version.js';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { serveCommand } from './commands/serve.js';
import { generateSecretCommand } from './commands/generate-secret.js';
import { signUrlCommand } from './commands/sign-url.js';
import { tokenCommand } from './commands/token.js';
import { userCommand } from './commands/user.js';
import { configCommand } from './commands/config.js';
import { indexCommand } from './commands/index.js';
import { templateCommand } from './commands/template.js';
import { webhookCommand } from './commands/webhook.js';
import { processCommand } from './commands/process.js';
import { migrateStateCommand } from './commands/migrate-state.js';

/** Every sub-command; `serve` runs when none is named. */
export const commands: Command[] = [serveCommand, userCommand, tokenCommand, signUrlCommand, generateSecretCommand, indexCommand, configCommand, templateCommand, webhookCommand, processCommand, migrateStateCommand];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `spis ${version}: a private photo and video gallery server`,
    '',
    'Usage: spis [command] [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `spis COMMAND --help` for the options of a command; `spis serve --help` lists every setting.',
    'Global: --help, --version',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${overview()}\n\n${serveCommand.usage}\n`);
    return 0;
  }
  const named = first !== undefined && !first.startsWith('-') ? commands.find((c) => c.name === first) : undefined;
  if (first !== undefined && !first.startsWith('-') && !named) {
    process.stderr.write(`spis: unknown command "${first}"\n\n${overview()}\n`);
    return 2;
  }
  const command = named ?? serveCommand;
  const args = named ? rest : argv;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`Usage: ${command.usage}\n`);
    return 0;
  }
  if (args.includes('--version')) {
    process.stdout.write(`${version}\n`); // `spis index --version` works like `spis --version`
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`spis: ${error.message}\n`);
      return 78; // EX_CONFIG: systemd will not restart-loop on a broken config with RestartPreventExitStatus
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`spis ${command.name}: ${(error as Error).message}\nSee: spis ${command.name} --help\n`);
      return 2;
    }
    process.stderr.write(`spis ${command.name}: ${(error as Error).message}\n`);
    return 1;
  }
}

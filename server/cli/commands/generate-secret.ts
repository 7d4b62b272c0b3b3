import { generateSecret } from '../../auth/signing-secrets.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

export const generateSecretCommand: Command = {
  name: 'generate-secret',
  summary: 'print a new random secret (for auth.signingSecrets or a webhook)',
  usage: `spis generate-secret

Prints 256 random bits, base64url-encoded. To rotate URL signing secrets, put the new one
first in auth.signingSecrets and keep the old one after it until its links expire.`,
  run(argv) {
    if (argv.length > 0) return Promise.reject(new UsageError(`unexpected "${argv.join(' ')}"`));
    process.stdout.write(`${generateSecret()}\n`);
    return Promise.resolve(0);
  },
};

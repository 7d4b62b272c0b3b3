import { parseDuration, signPath } from '../../auth/signed-url.js';
import { loadSigningSecrets } from '../../auth/signing-secrets.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

export const signUrlCommand: Command = {
  name: 'sign-url',
  summary: 'print a signed, expiring path for a media URL',
  usage: `spis sign-url --path /api/media/ID/w400.webp [--ttl 15m]

Prints only the signed path (with \`expires\` and \`sig\`) on standard output. The secret is
the first of auth.signingSecrets, or the one spis keeps in the data folder. --ttl takes
seconds or 90s, 15m, 2h, 7d (default 15m).`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, { path: { type: 'string' }, ttl: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError(`unexpected "${positionals.join(' ')}"`);
    const target = values.path;
    if (typeof target !== 'string' || !target.startsWith('/')) throw new UsageError('--path must be a path starting with /');
    const ttlText = typeof values.ttl === 'string' ? values.ttl : '15m';
    const ttlMs = parseDuration(ttlText);
    if (ttlMs === null) throw new UsageError(`--ttl: expected a duration such as 90s, 15m, 2h or 7d, got "${ttlText}"`);
    const { config } = configFromCommandLine(values);
    const [secret] = await loadSigningSecrets(config.auth.signingSecrets, config.data);
    process.stdout.write(`${signPath(secret!, target, (Date.now() + ttlMs) / 1000)}\n`);
    return 0;
  },
};

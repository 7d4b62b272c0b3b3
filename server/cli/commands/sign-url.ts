import { parseDuration, signPath, uploadSignedPath } from '../../auth/signed-url.js';
import { loadSigningSecrets } from '../../auth/signing-secrets.js';
import { openCliState } from '../state-access.js';
import { sanitiseSegment } from '../../uploads/upload-names.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

export const signUrlCommand: Command = {
  name: 'sign-url',
  summary: 'print a signed, expiring path for a media URL or for uploads',
  usage: `spis sign-url --path /api/media/ID/w400.webp [--ttl 15m]
spis sign-url --upload --folder NAME [--ttl 1h]

Prints only the signed path (with \`expires\` and \`sig\`) on standard output. The secret is
the first of auth.signingSecrets, or the one spis keeps in the data folder (or in the Redis
store of state.store, shared by replicas). --ttl takes
seconds or 90s, 15m, 2h, 7d (default 15m).

With --upload the path accepts POST uploads (raw body or multipart; add ?name=… freely)
into <uploads.folder>/NAME/ without a session, until it expires.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, {
      path: { type: 'string' },
      ttl: { type: 'string' },
      upload: { type: 'boolean' },
      folder: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected "${positionals.join(' ')}"`);
    const ttlText = typeof values.ttl === 'string' ? values.ttl : '15m';
    const ttlMs = parseDuration(ttlText);
    if (ttlMs === null)
      throw new UsageError(
        `--ttl: expected a duration such as 90s, 15m, 2h or 7d, got "${ttlText}"`,
      );
    let sign: (secret: string, expires: number) => string;
    if (values.upload === true) {
      if (values.path !== undefined)
        throw new UsageError('give either --path or --upload --folder NAME, not both');
      const folder = typeof values.folder === 'string' ? values.folder : '';
      if (folder === '' || sanitiseSegment(folder, 100) !== folder) {
        throw new UsageError(
          '--folder must be a plain folder name (no slashes, control characters or leading dots)',
        );
      }
      sign = (secret, expires) => uploadSignedPath(secret, folder, expires);
    } else {
      if (values.folder !== undefined) throw new UsageError('--folder goes with --upload');
      const target = values.path;
      if (typeof target !== 'string' || !target.startsWith('/'))
        throw new UsageError('--path must be a path starting with /');
      sign = (secret, expires) => signPath(secret, target, expires);
    }
    const { config } = configFromCommandLine(values);
    const state = await openCliState(config);
    const [secret] = await loadSigningSecrets(config.auth.signingSecrets, config.data, state.signing).finally(() => state.close());
    process.stdout.write(`${sign(secret!, (Date.now() + ttlMs) / 1000)}\n`);
    return 0;
  },
};

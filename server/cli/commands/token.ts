import { isRole, roles } from '../../auth/roles.js';
import { TokenStore } from '../../auth/token-store.js';
import { openCliState } from '../state-access.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

const USAGE = `spis token create --name NAME --role admin|member|viewer
       spis token revoke NAME
       spis token list

API tokens for scripts: send \`Authorization: Bearer TOKEN\`. \`create\` prints only the token
on standard output (it is stored hashed and cannot be shown again).`;

export const tokenCommand: Command = {
  name: 'token',
  summary: 'create, revoke or list API tokens for scripts',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, {
      role: { type: 'string' },
      name: { type: 'string' },
    });
    const [action, name, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected "${extra.join(' ')}"`);
    const { config } = configFromCommandLine(values);
    const state = await openCliState(config);
    try {
      const tokens = new TokenStore(config.data, Date.now, state.documents);
      await tokens.refresh(true);
      return await tokenAction(tokens, action, name, values);
    } finally {
      await state.close();
    }
  },
};

async function tokenAction(
  tokens: TokenStore,
  action: string | undefined,
  name: string | undefined,
  values: { name?: unknown; role?: unknown },
): Promise<number> {
  switch (action ?? '') {
    case 'create': {
      const tokenName = typeof values.name === 'string' ? values.name : name;
      if (!tokenName) throw new UsageError('token create needs --name NAME');
      if (!isRole(values.role)) throw new UsageError(`--role must be one of ${roles.join(', ')}`);
      process.stdout.write(`${await tokens.create(tokenName, values.role)}\n`);
      return 0;
    }
    case 'revoke': {
      const tokenName = typeof values.name === 'string' ? values.name : name;
      if (!tokenName) throw new UsageError('token revoke needs a NAME');
      if (!(await tokens.revoke(tokenName))) throw new Error(`no token named "${tokenName}"`);
      process.stderr.write(`revoked token "${tokenName}"\n`);
      return 0;
    }
    case 'list':
      for (const token of tokens.list())
        process.stdout.write(`${token.name}\t${token.role}\t${token.createdAt}\n`);
      return 0;
    default:
      throw new UsageError(`expected create, revoke or list, got "${action ?? ''}"`);
  }
}

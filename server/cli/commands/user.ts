import { readPassword } from '../../auth/read-password.js';
import { isRole, roles } from '../../auth/roles.js';
import { UserStore } from '../../auth/user-store.js';
import { openCliState } from '../state-access.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

const USAGE = `spis user add NAME --role admin|member|viewer
       spis user passwd NAME
       spis user remove NAME
       spis user list

Users live where the server keeps its state: the data folder (--data, --config), or the
Redis store of state.store (--state-store, SPIS_STATE_STORE). The password is read from standard input
when it is not a terminal (e.g. \`printf %s "$PW" | spis user add ann --role member\`),
and prompted for otherwise. A changed password or a removed user ends their sessions.`;

export const userCommand: Command = {
  name: 'user',
  summary: 'add, remove or list users; change a password',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, { role: { type: 'string' } });
    const [action, name, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected "${extra.join(' ')}"`);
    const { config } = configFromCommandLine(values);
    const state = await openCliState(config);
    try {
      const users = new UserStore(config.data, Date.now, state.documents);
      await users.refresh(true);
      return await userAction(users, action, name, values.role);
    } finally {
      await state.close();
    }
  },
};

async function userAction(
  users: UserStore,
  action: string | undefined,
  name: string | undefined,
  role: unknown,
): Promise<number> {
  switch (action ?? '') {
    case 'add': {
      if (!name) throw new UsageError('user add needs a NAME');
      if (!isRole(role)) throw new UsageError(`--role must be one of ${roles.join(', ')}`);
      await users.put(name, role, await readPassword());
      process.stderr.write(`added user "${name.toLowerCase()}" (${role})\n`);
      return 0;
    }
    case 'passwd':
      if (!name) throw new UsageError('user passwd needs a NAME');
      await users.setPassword(name, await readPassword(process.stdin, 'New password'));
      process.stderr.write(
        `changed the password of "${name.toLowerCase()}"; their sessions have ended\n`,
      );
      return 0;
    case 'remove':
      if (!name) throw new UsageError('user remove needs a NAME');
      if (!(await users.remove(name))) throw new Error(`no user "${name}"`);
      process.stderr.write(`removed user "${name.toLowerCase()}"\n`);
      return 0;
    case 'list':
      for (const user of users.list())
        process.stdout.write(`${user.name}\t${user.role}\t${user.createdAt}\n`);
      return 0;
    default:
      throw new UsageError(`expected add, passwd, remove or list, got "${action ?? ''}"`);
  }
}

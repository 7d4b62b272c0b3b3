import { readPassword } from '../../auth/read-password.js';
import { isRole, roles } from '../../auth/roles.js';
import { UserStore } from '../../auth/user-store.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

const USAGE = `spis user add NAME --role admin|member|viewer
       spis user passwd NAME
       spis user remove NAME
       spis user list

Users live in the data folder (--data, --config). The password is read from standard input
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
    const users = new UserStore(config.data);
    await users.refresh(true);
    switch (action ?? '') {
      case 'add': {
        const role = values.role;
        if (!name) throw new UsageError('user add needs a NAME');
        if (!isRole(role)) throw new UsageError(`--role must be one of ${roles.join(', ')}`);
        await users.put(name, role, await readPassword());
        process.stderr.write(`added user "${name.toLowerCase()}" (${role})\n`);
        return 0;
      }
      case 'passwd':
        if (!name) throw new UsageError('user passwd needs a NAME');
        await users.setPassword(name, await readPassword(process.stdin, 'New password'));
        process.stderr.write(`changed the password of "${name.toLowerCase()}"; their sessions have ended\n`);
        return 0;
      case 'remove':
        if (!name) throw new UsageError('user remove needs a NAME');
        if (!(await users.remove(name))) throw new Error(`no user "${name}"`);
        process.stderr.write(`removed user "${name.toLowerCase()}"\n`);
        return 0;
      case 'list':
        for (const user of users.list()) process.stdout.write(`${user.name}\t${user.role}\t${user.createdAt}\n`);
        return 0;
      default:
        throw new UsageError(`expected add, passwd, remove or list, got "${action ?? ''}"`);
    }
  },
};

import { createLogger } from '../../ops/logger.js';
import {
  differences,
  filesStateParts,
  readFilesState,
  readRedisState,
  redisStateParts,
  summarize,
  writeFilesState,
  writeRedisState,
} from '../../state/migrate-state.js';
import { RedisConnection } from '../../state/redis-connection.js';
import { describeStoreUrl, parseStoreSetting } from '../../state/store-setting.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

const USAGE = `spis migrate-state --to redis://HOST:PORT[/DB] [--force]
       spis migrate-state --to files --state-store redis://HOST:PORT[/DB] [--force]

Copies marks (favorites, archive), users, sessions, API tokens, share links and the URL
signing secret between the data folder (--data, --config) and a Redis or Valkey store, then
reads everything back and compares it with the source. \`--to redis://…\` copies the data
folder into Redis (so a single server can grow into replicas; then set state.store to that
URL); \`--to files\` copies the configured store (state.store / --state-store) into the
data folder. The source is left as it is. A target that already holds state is refused
unless --force replaces it. Stop the servers using either store while it runs.`;

export const migrateStateCommand: Command = {
  name: 'migrate-state',
  summary: 'copy marks, users, sessions, tokens and shares between the data folder and Redis',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, {
      to: { type: 'string' },
      force: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected "${positionals.join(' ')}"`);
    const target = typeof values.to === 'string' ? parseStoreSetting(values.to) : null;
    if (!target) throw new UsageError('--to must be "files" or a redis:// or rediss:// URL');
    const { config } = configFromCommandLine(values);
    const redisSetting = target.kind === 'redis' ? target : parseStoreSetting(config.state.store);
    if (!redisSetting || redisSetting.kind !== 'redis') {
      throw new UsageError(
        '--to files copies from Redis: set state.store (--state-store, SPIS_STATE_STORE) to its URL',
      );
    }
    const log = createLogger({ level: 'warn', format: 'json' }, process.stderr);
    const connection = await RedisConnection.open(redisSetting.url, { log });
    const shown = describeStoreUrl(redisSetting.url);
    try {
      const client = connection.client;
      const force = values.force === true;
      if (target.kind === 'redis') {
        const present = await redisStateParts(client);
        if (present.length > 0 && !force)
          throw new Error(
            `${shown} already holds state (${present.join(', ')}); add --force to replace it`,
          );
        const source = await readFilesState(config.data);
        await writeRedisState(client, source);
        report(
          source,
          differences(source, await readRedisState(client)),
          `${config.data} → ${shown}`,
        );
      } else {
        const present = await filesStateParts(config.data);
        if (present.length > 0 && !force)
          throw new Error(
            `${config.data} already holds state (${present.join(', ')}); add --force to replace it`,
          );
        const source = await readRedisState(client);
        await writeFilesState(config.data, source);
        report(
          source,
          differences(source, await readFilesState(config.data)),
          `${shown} → ${config.data}`,
        );
      }
      return 0;
    } finally {
      await connection.close();
    }
  },
};

function report(source: Parameters<typeof summarize>[0], differing: string[], route: string): void {
  if (differing.length > 0)
    throw new Error(`the copy ${route} differs from its source in: ${differing.join(', ')}`);
  process.stdout.write(
    `copied and verified ${route}\n${summarize(source)
      .map((line) => `  ${line}\n`)
      .join('')}`,
  );
}

import type { SharedDocuments } from '../auth/json-store.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../ops/logger.js';
import { RedisConnection } from '../state/redis-connection.js';
import { RedisDocuments, sharedSigningSecret } from '../state/redis-documents.js';
import { parseStoreSetting } from '../state/store-setting.js';

/** What a CLI command needs to change state where the server keeps it. */
export interface CliState {
  /** Set with a Redis store; undefined: the data folder. */
  documents?: SharedDocuments;
  signing?: ReturnType<typeof sharedSigningSecret>;
  close(): Promise<void>;
}

/** Opens the configured store (state.store): the data folder, or a connection to Redis. */
export async function openCliState(config: Config): Promise<CliState> {
  const setting = parseStoreSetting(config.state.store);
  if (!setting || setting.kind === 'files') return { close: async () => undefined };
  // Standard output carries what commands print (a token, a URL): logs go to standard error.
  const connection = await RedisConnection.open(setting.url, {
    log: createLogger({ level: 'warn', format: 'json' }, process.stderr),
  });
  return {
    documents: await RedisDocuments.open(connection, null),
    signing: sharedSigningSecret(connection),
    close: () => connection.close(),
  };
}

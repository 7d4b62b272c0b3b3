import type { SharedDocuments } from '../auth/json-store.js';
import { LuaScript } from './lua-script.js';
import type { RedisConnection } from './redis-connection.js';
import { redisKeys } from './redis-keys.js';
import type { StateChannel } from './state-channel.js';

/**
 * Stores `json` if the version is still the expected one, bumps it and announces the
 * document's name, in one step. KEYS: document. ARGV: expected version, json, name, channel.
 * Returns the new version, or -1 when another writer came first.
 */
const writeScript = new LuaScript(`local version = redis.call('HGET', KEYS[1], 'version') or '0'
if version ~= ARGV[1] then return -1 end
local next = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'json', ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[3])
return next`);

/**
 * The auth documents (users, tokens, sessions, shares) in Redis, one hash each holding the
 * same JSON text as the data folder's file and a version number.
 */
export class RedisDocuments implements SharedDocuments {
  private readonly watchers = new Map<string, Set<() => void>>();

  private constructor(private readonly connection: RedisConnection) {}

  /** With `channel` (a server), changes by other replicas are followed; without (the CLI), not. */
  static async open(
    connection: RedisConnection,
    channel: StateChannel | null,
  ): Promise<RedisDocuments> {
    const documents = new RedisDocuments(connection);
    if (channel) {
      await channel.listen(redisKeys.documentsChannel, (name) => documents.notify(name));
      channel.onResync(async () => {
        for (const name of documents.watchers.keys()) documents.notify(name);
      });
    }
    return documents;
  }

  async read(name: string): Promise<{ json: string | null; version: number }> {
    const [json, version] = await this.connection.run('document.read', (client) =>
      client.hmget(redisKeys.document(name), 'json', 'version'),
    );
    return { json: json ?? null, version: Number(version ?? 0) };
  }

  async version(name: string): Promise<number> {
    return Number(
      (await this.connection.run('document.version', (client) =>
        client.hget(redisKeys.document(name), 'version'),
      )) ?? 0,
    );
  }

  async write(name: string, json: string, expected: number): Promise<number | null> {
    const version = Number(
      await this.connection.run('document.write', (client) =>
        writeScript.run(
          client,
          [redisKeys.document(name)],
          [String(expected), json, name, redisKeys.documentsChannel],
        ),
      ),
    );
    return version < 0 ? null : version;
  }

  watch(name: string, listener: () => void): void {
    let set = this.watchers.get(name);
    if (!set) this.watchers.set(name, (set = new Set()));
    set.add(listener);
  }

  private notify(name: string): void {
    for (const listener of this.watchers.get(name) ?? []) listener();
  }
}

/** The URL-signing secret replicas share when auth.signingSecrets is not set: the first one stored wins. */
export function sharedSigningSecret(connection: RedisConnection) {
  return {
    async signingSecret(generate: () => string): Promise<string> {
      return connection.run('signing-secret', async (client) => {
        await client.set(redisKeys.signingSecret, generate(), 'NX');
        const secret = await client.get(redisKeys.signingSecret);
        if (!secret) throw new Error('the shared signing secret vanished while being read');
        return secret;
      });
    },
  };
}

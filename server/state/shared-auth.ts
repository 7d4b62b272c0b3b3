import type { SharedAuthState } from '../auth/auth-service.js';
import { RedisBuckets } from './redis-buckets.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisDocuments, sharedSigningSecret } from './redis-documents.js';
import type { StateChannel } from './state-channel.js';

/** Users, tokens, sessions, shares, the signing secret and rate limits in Redis. */
export async function openSharedAuth(
  connection: RedisConnection,
  channel: StateChannel | null,
): Promise<SharedAuthState> {
  const documents = await RedisDocuments.open(connection, channel);
  return {
    documents,
    signingSecret: sharedSigningSecret(connection).signingSecret,
    buckets: (name, options, local) => new RedisBuckets(connection, { name, ...options }, local),
  };
}

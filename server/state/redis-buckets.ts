import { AppError } from '../api/errors.js';
import type { BucketResult, RateBuckets, TokenBuckets } from '../auth/token-bucket.js';
import { LuaScript } from './lua-script.js';
import type { RedisConnection } from './redis-connection.js';
import { redisKeys } from './redis-keys.js';

/**
 * The token-bucket arithmetic of TokenBuckets, done atomically in Redis. KEYS: bucket.
 * ARGV: capacity, refill per second, now (ms), cost. Returns ok (1/0) and the tokens left
 * (as text: Lua numbers become integers in replies). An idle bucket expires once it would be
 * full again, the same as no bucket.
 */
const takeScript = new LuaScript(`local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = capacity
if stored[1] and stored[2] then
  tokens = math.min(capacity, tonumber(stored[1]) + math.max(0, now - tonumber(stored[2])) / 1000 * rate)
end
if tokens < cost then return {0, tostring(tokens)} end
tokens = tokens - cost
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {1, tostring(tokens)}`);

export interface SharedBucketOptions {
  /** Part of the key, e.g. `login-address`. */
  name: string;
  capacity: number;
  refillPerSecond: number;
  now: () => number;
}

/**
 * Rate limits counted across replicas. While Redis is away each replica counts on its own
 * (`local`), so logins and API calls go on, limited per replica instead of in all.
 */
export class RedisBuckets implements RateBuckets {
  constructor(
    private readonly connection: RedisConnection,
    private readonly options: SharedBucketOptions,
    private readonly local: TokenBuckets,
  ) {}

  async take(key: string, cost = 1): Promise<BucketResult> {
    const { name, capacity, refillPerSecond, now } = this.options;
    try {
      const reply = (await this.connection.run('bucket.take', (client) =>
        takeScript.run(
          client,
          [redisKeys.bucket(name, key)],
          [capacity, refillPerSecond, now(), cost],
        ),
      )) as [number, string];
      if (Number(reply[0]) === 1) return { ok: true, retryAfterMs: 0 };
      return {
        ok: false,
        retryAfterMs: Math.ceil(((cost - Number(reply[1])) / refillPerSecond) * 1000),
      };
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      return this.local.take(key, cost);
    }
  }

  async reset(key: string): Promise<void> {
    this.local.reset(key);
    try {
      await this.connection.run('bucket.reset', (client) =>
        client.del(redisKeys.bucket(this.options.name, key)),
      );
    } catch (error) {
      if (!isUnavailable(error)) throw error;
    }
  }
}

function isUnavailable(error: unknown): boolean {
  return error instanceof AppError && error.code === 'unavailable';
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSpis } from '../../server/app.js';
import { loadConfig } from '../../server/config/load.js';
import { createLogger } from '../../server/ops/logger.js';
import { freePort } from '../helpers/proxies.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startTestServer, tempDir, waitFor } from '../helpers/spis.js';

void describe('the shared state store connection', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(() => redis.dispose());

  void it('connects at start, notices the store going away and coming back', async () => {
    const server = await startTestServer({ config: { state: { store: redis.url } } });
    try {
      const connection = server.spis.redis;
      assert.ok(connection, 'a Redis URL opens a connection');
      assert.equal(connection.up, true);
      assert.equal(await connection.client.ping(), 'PONG');
      await redis.stop();
      await waitFor(() => (connection.up ? undefined : true), {
        what: 'the connection noticed the stop',
      });
      // No offline queue: a command fails at once instead of waiting for the store.
      await assert.rejects(connection.client.set('spis:test', '1'));
      await redis.restart();
      await waitFor(() => (connection.up ? true : undefined), {
        what: 'the connection came back',
        timeoutMs: 15_000,
      });
      assert.equal(await connection.client.set('spis:test', '1'), 'OK');
      assert.ok(
        server.logs.some(
          (line) => line.msg === 'state store connection lost: writes answer 503 until it is back',
        ),
      );
      assert.ok(server.logs.some((line) => line.msg === 'state store reconnected'));
    } finally {
      await server.close();
    }
  });

  void it('the default keeps state in the data folder and opens no connection', async () => {
    const server = await startTestServer();
    try {
      assert.equal(server.spis.redis, null);
    } finally {
      await server.close();
    }
  });

  void it('refuses to start when the store is unreachable, without showing the password', async () => {
    const port = await freePort(); // nothing listens there any more
    const media = await tempDir();
    const data = await tempDir();
    try {
      const { config } = loadConfig({
        env: {},
        overrides: {
          media: media.dir,
          data: data.dir,
          port: 0,
          state: { store: `redis://:hunter22@127.0.0.1:${port}` },
          log: { level: 'silent' },
        },
      });
      await assert.rejects(
        createSpis(config, { log: createLogger(config.log) }),
        (error: Error) => {
          assert.match(
            error.message,
            new RegExp(
              `^state store redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} is unreachable: .*Start Redis or Valkey there, or set state.store to "files"$`,
            ),
          );
          assert.doesNotMatch(error.message, /hunter22/);
          return true;
        },
      );
    } finally {
      await media.remove();
      await data.remove();
    }
  });
});

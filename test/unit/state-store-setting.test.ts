import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../server/config/load.js';
import { serverVersion } from '../../server/state/redis-connection.js';
import { describeStoreUrl, parseStoreSetting } from '../../server/state/store-setting.js';

void describe('state store setting', () => {
  void it('is the data folder by default', () => {
    assert.equal(loadConfig({ env: {} }).config.state.store, 'files');
    assert.deepEqual(parseStoreSetting('files'), { kind: 'files' });
  });

  void it('takes redis:// and rediss:// URLs, from the environment too', () => {
    assert.deepEqual(parseStoreSetting('redis://127.0.0.1:6379/2'), {
      kind: 'redis',
      url: 'redis://127.0.0.1:6379/2',
    });
    assert.deepEqual(parseStoreSetting('rediss://:pw@cache.internal:6380'), {
      kind: 'redis',
      url: 'rediss://:pw@cache.internal:6380',
    });
    const { config } = loadConfig({ env: { SPIS_STATE_STORE: 'redis://127.0.0.1:6390' } });
    assert.equal(config.state.store, 'redis://127.0.0.1:6390');
  });

  void it('refuses anything else at start, naming the setting', () => {
    for (const bad of ['', 'redis', 'http://127.0.0.1:6379', 'redis://', 'memory'])
      assert.equal(parseStoreSetting(bad), null, bad);
    assert.throws(
      () => loadConfig({ env: { SPIS_STATE_STORE: 'postgres://127.0.0.1/spis' } }),
      (error: Error) =>
        /state\.store: must be "files" or a redis:\/\/ or rediss:\/\/ URL/.test(
          String((error as { problems?: string[] }).problems ?? error.message),
        ),
    );
  });

  void it('never shows the password', () => {
    assert.equal(
      describeStoreUrl('redis://user:s3cret@127.0.0.1:6379/1'),
      'redis://user:***@127.0.0.1:6379/1',
    );
    assert.equal(describeStoreUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  });

  void it('reads the version of Redis and Valkey', () => {
    assert.deepEqual(serverVersion('# Server\r\nredis_version:7.2.4\r\nvalkey_version:8.0.1\r\n'), [7, 2]);
    assert.deepEqual(serverVersion('# Server\r\nredis_version:6.0.16\r\n'), [6, 0]);
    assert.deepEqual(serverVersion('# Server\r\n'), null);
  });
});

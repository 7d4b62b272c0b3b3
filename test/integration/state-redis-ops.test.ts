import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MediaPage } from '../../server/shared/api-types.js';
import { writeJpeg } from '../helpers/media.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';

void describe('the shared state store in probes, status and metrics', () => {
  let redis: RedisServer;
  let server: TestServer;

  before(async () => {
    redis = await startRedisServer();
    server = await startTestServer({ config: { state: { store: redis.url } } });
    await writeJpeg(path.join(server.media, 'one.jpg'));
    await waitFor(() => (server.spis.library.index.size === 1 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the file indexed',
    });
  });
  after(async () => {
    await server.close();
    await redis.dispose();
  });

  const metric = async (line: RegExp) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const found = text.split('\n').find((row) => line.test(row));
    return found === undefined ? undefined : Number(found.split(' ').pop());
  };

  void it('is ready with the store, not ready without it, and says why', async () => {
    const id = (await api<MediaPage>(server, '/api/media')).body.items[0]!.id;
    assert.equal((await api(server, `/api/media/${id}/favorite`, { method: 'PUT' })).status, 200);
    const ready = await api<{ status: string }>(server, '/probe/ready');
    assert.deepEqual([ready.status, ready.body.status], [200, 'ready']);
    const status = await api<{ store: { kind: string; url: string; up: boolean } }>(
      server,
      '/api/status',
    );
    assert.deepEqual(
      [status.body.store.kind, status.body.store.url, status.body.store.up],
      ['redis', redis.url, true],
    );
    assert.ok(
      (await metric(
        /^spis_state_store_operation_duration_seconds_count\{operation="marks.set",outcome="ok"\}/,
      ))! >= 1,
    );
    assert.equal(await metric(/^spis_state_store_up /), 1);

    await redis.stop();
    try {
      await waitFor(() => (server.spis.redis!.up ? undefined : true), { what: 'the loss noticed' });
      const notReady = await api<{ status: string }>(server, '/probe/ready');
      assert.deepEqual([notReady.status, notReady.body.status], [503, 'store-unavailable']);
      assert.equal((await api(server, '/probe/live')).status, 200);
      assert.equal(
        (await api<{ store: { up: boolean } }>(server, '/api/status')).body.store.up,
        false,
      );
      assert.equal(
        (await api(server, `/api/media/${id}/favorite`, { method: 'DELETE' })).status,
        503,
      );
      assert.ok((await metric(/^spis_state_store_errors_total\{operation="marks.set"\}/))! >= 1);
      assert.equal(await metric(/^spis_state_store_up /), 0);
    } finally {
      await redis.restart();
    }
    await waitFor(
      async () => ((await api(server, '/probe/ready')).status === 200 ? true : undefined),
      { what: 'ready again', timeoutMs: 15_000 },
    );
  });

  void it('the files store shows in the status too, and its changes carry no event key', async () => {
    const files = await startTestServer();
    try {
      const status = await api<{ store: unknown }>(files, '/api/status');
      assert.deepEqual(status.body.store, { kind: 'files' });
      await writeJpeg(path.join(files.media, 'one.jpg'));
      await waitFor(() => (files.spis.library.index.size === 1 ? true : undefined), {
        timeoutMs: 20_000,
        what: 'the file indexed',
      });
      const updated = new Promise<{ eventKey?: string }>((resolve) =>
        files.spis.bus.once('media.updated', resolve),
      );
      const id = (await api<MediaPage>(files, '/api/media')).body.items[0]!.id;
      assert.equal((await api(files, `/api/media/${id}/favorite`, { method: 'PUT' })).status, 200);
      assert.equal('eventKey' in (await updated), false);
    } finally {
      await files.close();
    }
  });
});

import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ApiItem } from '../../server/shared/api-types.js';
import { writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, waitFor } from '../helpers/spis.js';
import { startReceiver, type ReceivedHook, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'test-secret-0123456789abcdef';
const quickRetry = { initialDelayMs: 40, maxDelayMs: 200, maxAgeMs: 60_000, flushMs: 500 };

function hookConfig(receiver: WebhookReceiver, events: string[] = ['*']) {
  return { webhooks: [{ url: receiver.url, secret: SECRET, events }], webhookRetry: quickRetry };
}

const byEvent = (receiver: WebhookReceiver, event: string) => receiver.received.filter((hook) => hook.event === event);
const itemPath = (hook: ReceivedHook) => (hook.json.data.item as ApiItem | undefined)?.path;

void describe('webhooks', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  void it('signs each delivery and keeps its id across retries after two 500s', async () => {
    const receiver = await startReceiver(SECRET);
    cleanup.push(() => receiver.close());
    const failuresLeft = new Map<string, number>();
    receiver.respond = (hook) => {
      if (hook.event !== 'media.added') return 200;
      const left = failuresLeft.get(hook.delivery) ?? 2;
      failuresLeft.set(hook.delivery, left - 1);
      return left > 0 ? 500 : 200;
    };
    const server = await startTestServer({ config: hookConfig(receiver) });
    cleanup.push(() => server.close());

    await writeJpeg(path.join(server.media, 'trip', 'beach.jpg'), { taken: '2023:07:14 18:22:05', offset: '+02:00' });
    const attempts = await waitFor(
      () => {
        const added = byEvent(receiver, 'media.added');
        return added.some((hook) => hook.status === 200) ? added : undefined;
      },
      { timeoutMs: 20_000, what: 'media.added to be accepted' },
    );
    assert.deepEqual(attempts.map((hook) => hook.status), [500, 500, 200]);
    assert.equal(new Set(attempts.map((hook) => hook.delivery)).size, 1, 'the same delivery id on every retry');
    for (const hook of attempts) {
      assert.ok(hook.signatureValid, 'X-Spis-Signature verifies with the shared secret');
      assert.match(hook.timestamp, /^\d{10}$/);
      assert.equal(hook.json.id, hook.delivery);
      assert.equal(hook.json.event, 'media.added');
      assert.equal(hook.body, attempts[0]!.body, 'the body is identical on every attempt');
    }
    assert.equal(itemPath(attempts[0]!), 'trip/beach.jpg');
    assert.equal((attempts[0]!.json.data.item as ApiItem).takenAt, '2023-07-14T18:22:05+02:00');

    const status = await waitFor(
      async () => {
        const body = (await api<{ webhooks: { pending: number; delivered: number; retries: number } }>(server, '/api/status')).body;
        return body.webhooks.pending === 0 ? body.webhooks : undefined;
      },
      { timeoutMs: 20_000, what: 'an empty backlog' },
    );
    assert.ok(status.retries >= 2);
    assert.ok(status.delivered >= 1);
    assert.deepEqual(await readdir(path.join(server.data, 'webhooks', 'outbox')), [], 'delivered files leave the outbox');
    assert.equal(byEvent(receiver, 'index.progress').length, 0, 'progress never goes to webhooks');
  });

  void it('gives up at once on a 400 and shows the dead letter in /api/status', async () => {
    const receiver = await startReceiver(SECRET);
    cleanup.push(() => receiver.close());
    receiver.respond = (hook) => (hook.event === 'media.added' ? 400 : 200);
    const server = await startTestServer({ config: hookConfig(receiver, ['media.added']) });
    cleanup.push(() => server.close());

    await writeJpeg(path.join(server.media, 'rejected.jpg'));
    const status = await waitFor(
      async () => {
        const body = (await api<{ webhooks: { deadLetters: number; failed: number; recentDeadLetters: Array<Record<string, unknown>> } }>(
          server,
          '/api/status',
        )).body;
        return body.webhooks.deadLetters > 0 ? body.webhooks : undefined;
      },
      { timeoutMs: 20_000, what: 'a dead letter' },
    );
    assert.equal(byEvent(receiver, 'media.added').length, 1, 'a 400 is not retried');
    assert.equal(status.failed, 1);
    assert.equal(status.recentDeadLetters[0]?.reason, 'receiver answered 400');
    assert.equal(status.recentDeadLetters[0]?.target, new URL(receiver.url).origin, 'status shows the origin, not the full URL');
    assert.equal((await readdir(path.join(server.data, 'webhooks', 'dead'))).length, 1, 'dead letters are kept on disk');
    assert.equal(byEvent(receiver, 'index.completed').length, 0, 'only subscribed events are sent');
  });

  void it('sends one index.completed for a new library, then media.added for files added while stopped', async () => {
    const receiver = await startReceiver(SECRET);
    cleanup.push(() => receiver.close());
    const media = await tempDir('spis-media-');
    const data = await tempDir('spis-data-');
    cleanup.push(media.remove, data.remove);
    for (let i = 0; i < 6; i++) await writeJpeg(path.join(media.dir, `old-${i}.jpg`), { color: `#10${i}0${i}0` });

    const first = await startTestServer({ media: media.dir, data: data.dir, config: hookConfig(receiver) });
    await waitFor(() => (byEvent(receiver, 'index.completed').length > 0 ? true : undefined), { timeoutMs: 20_000, what: 'index.completed' });
    await waitFor(() => (first.spis.live.webhooks.status().pending === 0 ? true : undefined), { timeoutMs: 20_000 });
    assert.equal(byEvent(receiver, 'media.added').length, 0, 'a first index is not announced file by file');
    assert.deepEqual(byEvent(receiver, 'index.completed')[0]!.json.data, { count: 6, firstIndex: true });
    await first.close();

    await writeJpeg(path.join(media.dir, 'while-stopped.jpg'), { color: '#ff00ff' });
    const second = await startTestServer({ media: media.dir, data: data.dir, config: hookConfig(receiver) });
    cleanup.push(() => second.close());
    const added = await waitFor(() => byEvent(receiver, 'media.added').find((hook) => itemPath(hook) === 'while-stopped.jpg'), {
      timeoutMs: 20_000,
      what: 'media.added for the file added while stopped',
    });
    assert.ok(added.signatureValid);
    await waitFor(() => (byEvent(receiver, 'index.completed').length === 2 ? true : undefined), { timeoutMs: 20_000, what: 'second index.completed' });
    assert.deepEqual(byEvent(receiver, 'index.completed')[1]!.json.data, { count: 7, firstIndex: false });
    assert.equal(byEvent(receiver, 'media.added').length, 1, 'only the new file is announced');
  });
});

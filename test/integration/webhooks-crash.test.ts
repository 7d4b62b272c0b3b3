import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ApiItem } from '../../server/shared/api-types.js';
import { writeJpeg } from '../helpers/media.js';
import { tempDir, waitFor } from '../helpers/spis.js';
import { spawnSpis, stopSpis, type SpisProcess } from '../helpers/spis-process.js';
import { freePort, startReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'crash-test-secret-0123456789';

async function outboxEvents(data: string): Promise<string[]> {
  const dir = path.join(data, 'webhooks', 'outbox');
  const names = (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.json'));
  // A batch delivered between readdir and readFile is deleted: it holds nothing pending.
  const read = (name: string) => readFile(path.join(dir, name), 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '[]' : Promise.reject(error)));
  const batches = await Promise.all(names.map(async (name) => JSON.parse(await read(name)) as Array<{ event: string }>));
  return batches.flat().map((delivery) => delivery.event);
}

async function isReady(proc: SpisProcess): Promise<true | undefined> {
  const response = await fetch(`${proc.url}/api/status`).catch(() => null);
  return response && ((await response.json()) as { ready: boolean }).ready ? true : undefined;
}

void describe('webhook outbox across kill -9', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  void it('delivers every event after SIGKILL and restart once the receiver is back, none lost', async () => {
    const media = await tempDir('spis-media-');
    const data = await tempDir('spis-data-');
    const etc = await tempDir('spis-config-');
    cleanup.push(media.remove, data.remove, etc.remove);
    const port = await freePort(); // nothing listens here until the receiver comes back
    const configFile = path.join(etc.dir, 'spis.json');
    await writeFile(
      configFile,
      JSON.stringify({
        timezone: 'UTC',
        watch: { settleMs: 150 },
        webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: SECRET, events: ['media.added', 'index.completed'] }],
        webhookRetry: { initialDelayMs: 100, maxDelayMs: 400, maxAgeMs: 600_000 },
      }),
    );
    const args = ['--media', media.dir, '--data', data.dir, '--config', configFile];

    const first = await spawnSpis(args);
    cleanup.push(() => stopSpis(first, 'SIGKILL'));
    await waitFor(() => isReady(first), { timeoutMs: 30_000, what: 'first start ready' });
    const before = ['a.jpg', 'b.jpg', 'sub/c.jpg', 'sub/d.jpg'];
    for (const [i, name] of before.entries()) await writeJpeg(path.join(media.dir, name), { color: `#0${i}20${i}0` });
    await waitFor(
      async () => ((await outboxEvents(data.dir)).filter((e) => e === 'media.added').length === before.length ? true : undefined),
      { timeoutMs: 30_000, what: 'deliveries written to the outbox' },
    );
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');

    const whileStopped = ['later/e.jpg', 'later/f.jpg'];
    for (const [i, name] of whileStopped.entries()) await writeJpeg(path.join(media.dir, name), { color: `#f${i}f0${i}0` });

    const second = await spawnSpis(args);
    cleanup.push(() => stopSpis(second));
    await waitFor(() => isReady(second), { timeoutMs: 30_000, what: 'second start ready' });
    const receiver: WebhookReceiver = await startReceiver(SECRET, port);
    cleanup.push(() => receiver.close());

    const expected = [...before, ...whileStopped].sort();
    const delivered = () => new Set(receiver.received.filter((h) => h.event === 'media.added').map((h) => (h.json.data.item as ApiItem).path));
    await waitFor(() => (delivered().size === expected.length ? true : undefined), { timeoutMs: 30_000, what: 'every media.added' });
    assert.deepEqual([...delivered()].sort(), expected);
    const completed = await waitFor(
      () => {
        const hooks = receiver.received.filter((h) => h.event === 'index.completed');
        return hooks.length >= 2 ? hooks.map((h) => h.json.data) : undefined;
      },
      { timeoutMs: 20_000, what: 'both index.completed deliveries' },
    );
    assert.deepEqual(completed.map((d) => d.firstIndex).sort(), [false, true], 'the one from before the crash too');
    assert.ok(receiver.received.every((h) => h.signatureValid), 'every delivery is signed');
    await waitFor(async () => ((await outboxEvents(data.dir)).length === 0 ? true : undefined), { timeoutMs: 20_000, what: 'an empty outbox' });
    assert.equal(await stopSpis(second), 0, 'SIGTERM exits cleanly');
  });
});

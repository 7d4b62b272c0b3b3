import assert from 'node:assert/strict';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { ApiItem, MediaPage, ServerMessage } from '../../server/shared/api-types.js';
import { RedisOutbox } from '../../server/webhooks/redis-outbox.js';
import { jpegBuffer } from '../helpers/media.js';
import { startReplicas, type ReplicaSet } from '../helpers/replicas.js';
import { waitFor } from '../helpers/spis.js';
import { startReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { connectEvents, type EventClient } from '../helpers/ws-client.js';

const SECRET = 'replicas-webhook-secret-0123456789';
const FILES = 300;
const BURSTS = 6;
const CONCURRENCY = 2;
const KILLED = 1;

const addedIds = (client: EventClient) =>
  new Set(
    client.messages
      .filter((m): m is Extract<ServerMessage, { type: 'media.added' }> => m.type === 'media.added')
      .map((m) => m.item.id),
  );

async function listAll(base: string): Promise<ApiItem[]> {
  const items: ApiItem[] = [];
  let cursor: string | null = null;
  do {
    const response = await fetch(
      `${base}/api/media?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    assert.equal(response.status, 200);
    const page = (await response.json()) as MediaPage;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

void describe('three replicas over one media folder, state in Redis, behind nginx', () => {
  let set: ReplicaSet;
  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await startReceiver(SECRET);
    set = await startReplicas({
      count: 3,
      config: {
        webhooks: [{ url: receiver.url, secret: SECRET, events: ['media.added'] }],
        // A short send timeout keeps the takeover of a dead replica's deliveries quick (2 × timeout + 5 s).
        webhookRetry: {
          timeoutMs: 2000,
          initialDelayMs: 200,
          maxDelayMs: 1000,
          concurrency: CONCURRENCY,
        },
        watch: { settleMs: 100 },
        thumbnails: { pregenerate: false },
      },
      args: ['--uploads'],
    });
  });
  after(async () => {
    await set?.dispose();
    await receiver?.close();
  });

  void it(
    '300 files in bursts, one replica SIGKILLed and restarted: each media.added is sent once, and seen on every replica',
    { timeout: 240_000 },
    async () => {
      const clients = await Promise.all(set.urls.map((url) => connectEvents(url)));
      // Files are written beside the media folder and renamed in, as a copy tool finishing a file would.
      const staging = path.join(path.dirname(set.media), 'staging');
      await mkdir(staging);
      const names = Array.from(
        { length: FILES },
        (_, i) =>
          `burst-${Math.floor(i / (FILES / BURSTS))}/photo-${String(i).padStart(3, '0')}.jpg`,
      );
      const perBurst = FILES / BURSTS;
      let restartedClient: EventClient | null = null;
      const placedBeforeRestart = new Set<string>();

      for (let burst = 0; burst < BURSTS; burst++) {
        const batch = names.slice(burst * perBurst, (burst + 1) * perBurst);
        await mkdir(path.join(set.media, `burst-${burst}`));
        await Promise.all(
          batch.map(async (name, i) => {
            const temp = path.join(staging, `${burst}-${i}.jpg`);
            await writeFile(
              temp,
              await jpegBuffer({
                width: 16,
                height: 12,
                color: `#${(burst * perBurst + i).toString(16).padStart(6, '0')}`,
              }),
            );
            await rename(temp, path.join(set.media, name));
          }),
        );
        // A slow receiver from the second burst on: deliveries are in flight when the kill comes.
        if (burst === 1) receiver.holdMs = 1500;
        if (burst === 2) {
          // In the middle: one replica dies while deliveries and indexing are under way.
          await set.kill(KILLED);
          clients[KILLED]!.ws.terminate();
        }
        if (burst === 3) {
          for (const name of names.slice(0, (burst + 1) * perBurst)) placedBeforeRestart.add(name);
          receiver.holdMs = 0;
          await set.restart(KILLED);
          // Ready once its start-up scan is done: later files reach it through its watcher.
          await waitFor(
            async () => ((await fetch(`${set.urls[KILLED]}/probe/ready`)).ok ? true : undefined),
            {
              timeoutMs: 60_000,
              intervalMs: 200,
              what: 'the restarted replica ready',
            },
          );
          restartedClient = await connectEvents(set.urls[KILLED]!);
        }
        // Wait for this burst to be seen by a survivor before the next: bursts, not one flood.
        const survivor = clients[0]!;
        await waitFor(
          () => (addedIds(survivor).size >= (burst + 1) * perBurst ? true : undefined),
          {
            timeoutMs: 60_000,
            intervalMs: 100,
            what: `burst ${burst} on replica 0`,
          },
        );
      }

      // Every replica's own clients saw every file (the restarted one: those placed after it came back).
      const everyId = new Set((await listAll(set.urls[0]!)).map((item) => item.id));
      assert.equal(everyId.size, FILES, 'replica 0 lists every file');
      for (const index of [0, 2]) {
        await waitFor(() => (addedIds(clients[index]!).size === FILES ? true : undefined), {
          timeoutMs: 30_000,
          intervalMs: 100,
          what: `all media.added on replica ${index}`,
        });
        assert.deepEqual(addedIds(clients[index]!), everyId);
        const added = clients[index]!.messages.filter((m) => m.type === 'media.added');
        assert.equal(
          added.length,
          FILES,
          `replica ${index}: each file announced once to its clients`,
        );
      }
      // Its start-up scan picks up what was added while it was down (indexed, not re-sent).
      await waitFor(
        async () => ((await listAll(set.urls[KILLED]!)).length === FILES ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 500,
          what: 'the restarted replica catching up with files added while it was down',
        },
      );

      const laterIds = new Set(
        (await listAll(set.urls[KILLED]!))
          .filter((item) => !placedBeforeRestart.has(item.path))
          .map((item) => item.id),
      );
      assert.equal(laterIds.size, FILES - placedBeforeRestart.size);
      await waitFor(
        () => ([...laterIds].every((id) => addedIds(restartedClient!).has(id)) ? true : undefined),
        {
          timeoutMs: 30_000,
          intervalMs: 100,
          what: 'the restarted replica announcing later files',
        },
      );
      // Through nginx (round robin over the three), every answer lists the same library.
      for (let i = 0; i < 3; i++) assert.equal((await listAll(set.lbUrl)).length, FILES);

      // Webhooks: the outbox drains (a delivery the dead replica held is taken over), then count.
      const admin = new Redis(set.redis.url);
      try {
        const outbox = new RedisOutbox(admin);
        await waitFor(
          async () =>
            new Set(receiver.received.map((h) => h.delivery)).size >= FILES &&
            (await outbox.backlog()) === 0
              ? true
              : undefined,
          { timeoutMs: 60_000, intervalMs: 200, what: 'every delivery settled' },
        );
      } finally {
        admin.disconnect();
      }
      const byItem = new Map<string, Set<string>>();
      for (const hook of receiver.received) {
        assert.equal(hook.event, 'media.added');
        assert.ok(hook.signatureValid);
        const id = (hook.json.data.item as ApiItem).id;
        byItem.set(id, (byItem.get(id) ?? new Set()).add(hook.delivery));
      }
      assert.deepEqual(new Set(byItem.keys()), everyId, 'no file without a delivery, none unknown');
      for (const [id, deliveries] of byItem)
        assert.equal(deliveries.size, 1, `item ${id}: one X-Spis-Delivery, not one per replica`);
      const repeated = receiver.received.length - FILES;
      const takenOver = set.processes
        .flatMap((proc) => proc?.logs ?? [])
        .filter((line) => String(line.msg).startsWith('took over a webhook delivery')).length;
      console.log(
        `# replicas: ${receiver.received.length} POSTs for ${FILES} events (${repeated} repeated, ${takenOver} taken over after the SIGKILL)`,
      );
      // The killed replica was sending when it died: what it held was taken over by the others.
      assert.ok(takenOver >= 1, 'deliveries held by the killed replica were taken over');
      // HTTP cannot be exactly-once: a delivery the dead replica had already sent (the receiver
      // recorded it) goes out again after the takeover, with the same X-Spis-Delivery.
      assert.ok(
        repeated >= 0 && repeated <= takenOver,
        `${repeated} deliveries repeated, at most the ${takenOver} taken over`,
      );

      for (const client of [...clients, restartedClient!]) client.ws.terminate();
    },
  );
  void it(
    'an upload through one replica reaches the clients of every replica once, with who uploaded it',
    { timeout: 60_000 },
    async () => {
      const clients = await Promise.all(set.urls.map((url) => connectEvents(url)));
      const upload = async (name: string, color: string) => {
        const response = await fetch(`${set.urls[2]}/api/uploads?name=${name}`, {
          method: 'POST',
          headers: { 'content-type': 'image/jpeg' },
          body: await jpegBuffer({ width: 20, height: 10, color }),
        });
        assert.equal(response.status, 201);
        return ((await response.json()) as { item: ApiItem }).item;
      };
      const first = await upload('fanned-out.jpg', '#123456');
      for (const [index, client] of clients.entries()) {
        const added = await client.next(
          (m) => m.type === 'media.added' && m.item.id === first.id,
          20_000,
          `the upload on replica ${index}`,
        );
        // The replicas that only saw the file appear on the shared folder learnt who uploaded it over Redis.
        assert.equal(
          (added as { uploadedBy?: string }).uploadedBy,
          'local',
          `replica ${index} tells who uploaded it`,
        );
      }
      // A later upload seen everywhere bounds the wait for a second announcement of the first.
      const second = await upload('later.jpg', '#654321');
      for (const client of clients)
        await client.next(
          (m) => m.type === 'media.added' && m.item.id === second.id,
          20_000,
          'the later upload',
        );
      for (const [index, client] of clients.entries()) {
        assert.equal(
          client.messages.filter((m) => m.type === 'media.added' && m.item.id === first.id).length,
          1,
          `replica ${index}: announced once`,
        );
      }
      for (const client of clients) client.ws.terminate();
    },
  );
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiItem, ServerMessage } from '../../server/shared/api-types.js';
import { writeJpeg } from '../helpers/media.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';
import { connectEvents, type EventClient } from '../helpers/ws-client.js';

const CLIENTS = 500;
const BURST = 200;
const BOUND = 16 * 1024;

const burstPath = (m: ServerMessage) => (m.type === 'media.added' && m.item.path.startsWith('burst/') ? m.item.path : undefined);

void describe('WebSocket fan-out', () => {
  let server: TestServer;
  let item: ApiItem;
  const clients: EventClient[] = [];

  before(async () => {
    server = await startTestServer({ config: { liveEvents: { maxBufferedBytes: BOUND, closeGraceMs: 60_000 }, log: { level: 'warn' } } });
    await writeJpeg(path.join(server.media, 'template.jpg'), { make: 'Canon', model: 'EOS', taken: '2022:01:02 03:04:05' });
    const page = await waitFor(async () => (await api<{ items: ApiItem[] }>(server, '/api/media')).body.items[0]);
    item = page;
  });
  after(async () => {
    for (const client of clients) client.ws.terminate();
    await server.close();
  });

  void it(`delivers a burst of ${BURST} events to ${CLIENTS} clients while a client that stopped reading is dropped`, async () => {
    // The stalled reader first fills what the kernel buffers for it (megabytes on loopback),
    // so that its backlog shows in bufferedAmount, where the server must bound it.
    const stalled = await connectEvents(server.url);
    await stalled.next((m) => m.type === 'hello');
    stalled.ws.pause();
    const filler = 'f'.repeat(2048);
    for (let i = 0; server.spis.live.hub.maxBuffered === 0; i++) {
      assert.ok(i < 20_000, 'the stalled reader never showed a backlog');
      server.spis.bus.emit('media.removed', { id: `${filler}${i}`, path: '' });
      if (i % 32 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(server.spis.live.hub.dropped.slow, 0, 'not dropped before it passed the bound');
    for (let i = 0; i < CLIENTS; i += 50) {
      clients.push(...(await Promise.all(Array.from({ length: Math.min(50, CLIENTS - i) }, () => connectEvents(server.url)))));
    }
    assert.equal(server.spis.live.hub.clientCount, CLIENTS + 1);
    for (let i = 0; i < BURST; i++) {
      server.spis.bus.emit('media.added', { item: { ...item, id: `burst${i}`, path: `burst/${String(i).padStart(3, '0')}.jpg` } });
    }
    await waitFor(() => (server.spis.live.hub.dropped.slow === 1 ? true : undefined), { what: 'the stalled client to be dropped' });
    assert.ok(server.spis.live.hub.maxBuffered <= BOUND, 'no remaining client holds more than the bound');
    // Read again before the server gives up on the close handshake: the close frame waits behind its backlog.
    stalled.ws.resume();
    assert.equal(await stalled.closed(30_000), 1013, 'the stalled client learns why once it reads again');
    assert.ok(stalled.messages.filter(burstPath).length < BURST, 'it did not get the whole burst');

    const expected = Array.from({ length: BURST }, (_, i) => `burst/${String(i).padStart(3, '0')}.jpg`);
    await waitFor(() => (clients.every((c) => c.messages.filter(burstPath).length === BURST) ? true : undefined), {
      timeoutMs: 30_000,
      what: 'every client to receive the whole burst',
    });
    for (const client of clients) assert.deepEqual(client.messages.map(burstPath).filter(Boolean), expected, 'all events, in order');

    // The others carry on after the drop.
    server.spis.bus.emit('media.removed', { id: 'after-drop', path: 'x.jpg' });
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'media.removed' && m.id === 'after-drop', 10_000)));
    assert.equal(server.spis.live.hub.clientCount, CLIENTS);
  });
});

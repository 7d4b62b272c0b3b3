import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { ApiItem, ServerMessage } from '../../server/shared/api-types.js';
import { version } from '../../server/version.js';
import { writeJpeg } from '../helpers/media.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';
import { connectEvents, type EventClient } from '../helpers/ws-client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The thumbnail routes land separately; once they exist, a media.added item must be showable. */
const thumbRoutesExist = existsSync(path.join(root, 'server/api/thumb-routes.ts'));

const isType =
  <T extends ServerMessage['type']>(type: T, test: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true) =>
  (m: ServerMessage) =>
    m.type === type && test(m as Extract<ServerMessage, { type: T }>);

void describe('WebSocket /api/events', () => {
  let server: TestServer;
  const clients: EventClient[] = [];
  const connect = async (options = {}) => {
    const client = await connectEvents(server.url, options);
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startTestServer({ config: { liveEvents: { heartbeatMs: 100 } } });
    await writeJpeg(path.join(server.media, 'seed.jpg'));
    await waitFor(() => (server.spis.library.index.size === 1 ? true : undefined), { timeoutMs: 20_000, what: 'the seed file' });
  });
  after(async () => {
    for (const client of clients) client.ws.terminate();
    await server.close();
  });

  void it('greets with the version and item count', async () => {
    const client = await connect();
    const hello = await client.next(isType('hello'));
    assert.deepEqual(hello, { type: 'hello', version, count: 1 });
    assert.equal(client.messages[0]?.type, 'hello', 'hello comes first');
  });

  void it('pushes a copied file as media.added within 2 seconds', async () => {
    const client = await connect();
    await client.next(isType('hello'));
    await writeJpeg(path.join(server.media, '2024', 'new-photo.jpg'), { taken: '2024:05:01 10:00:00' });
    const added = (await client.next(
      isType('media.added', (m) => m.item.path === '2024/new-photo.jpg'),
      2000,
      'media.added for the new file',
    )) as { item: ApiItem };
    assert.equal(added.item.name, 'new-photo.jpg');
    assert.ok(!JSON.stringify(added).includes(server.media), 'no absolute path reaches clients');
    const listed = await api<{ items: ApiItem[] }>(server, '/api/media?q=new-photo');
    assert.equal(listed.body.items[0]?.id, added.item.id, 'the announced item is already in the index');
    if (thumbRoutesExist) {
      const thumb = await fetch(server.url + added.item.thumbs.small);
      assert.equal(thumb.status, 200, 'the small thumbnail answers as soon as the item is announced');
    }
  });

  void it('pushes media.updated for a favorite and media.removed for a deleted file', async () => {
    const client = await connect();
    await writeJpeg(path.join(server.media, 'doomed.jpg'), { color: '#aa0000' });
    const added = (await client.next(isType('media.added', (m) => m.item.path === 'doomed.jpg'), 20_000)) as { item: ApiItem };
    const favorite = await api(server, `/api/media/${added.item.id}/favorite`, { method: 'PUT' });
    assert.equal(favorite.status, 200);
    const updated = (await client.next(isType('media.updated', (m) => m.item.id === added.item.id))) as { item: ApiItem };
    assert.equal(updated.item.favorite, true);
    await rm(path.join(server.media, 'doomed.jpg'));
    const removed = await client.next(isType('media.removed', (m) => m.id === added.item.id), 20_000);
    assert.deepEqual(removed, { type: 'media.removed', id: added.item.id }, 'only the id: no path leaks beyond the contract');
  });

  void it('forwards index.progress and index.completed in the contract shape', async () => {
    const client = await connect();
    await client.next(isType('hello'));
    server.spis.bus.emit('index.progress', { phase: 'reading', done: 5, total: 9 });
    server.spis.bus.emit('index.completed', { count: 9, firstIndex: true });
    assert.deepEqual(await client.next(isType('index.progress')), { type: 'index.progress', phase: 'reading', done: 5, total: 9 });
    assert.deepEqual(await client.next(isType('index.completed')), { type: 'index.completed', count: 9 }, 'firstIndex stays internal');
  });

  void it('drops a peer that stops answering pings, keeps one that answers', async () => {
    const silent = await connect({ autoPong: false });
    const healthy = await connect();
    const code = await silent.closed(3000);
    assert.equal(code, 1006, 'a dead peer is terminated, not closed politely');
    assert.equal(healthy.ws.readyState, WebSocket.OPEN);
    assert.ok(server.spis.live.hub.dropped.dead >= 1);
  });

  void it('answers upgrades on other paths with 404', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/elsewhere`);
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('upgrade on a foreign path was accepted')));
      ws.once('error', () => undefined);
    });
    assert.equal(status, 404);
  });

  void it('lets an authorizer refuse a socket at upgrade time', async () => {
    const previous = server.spis.live.hub.setAuthorizer((request) => (request.headers.authorization === 'Bearer ok' ? true : 401));
    try {
      await assert.rejects(connectEvents(server.url), /refused with 401/);
      const allowed = await connect({ headers: { authorization: 'Bearer ok' } });
      await allowed.next(isType('hello'));
    } finally {
      server.spis.live.hub.setAuthorizer(previous);
    }
  });

  void it('counts clients in /api/status', async () => {
    const open = clients.filter((c) => c.ws.readyState === WebSocket.OPEN).length;
    const status = await api<{ events: { clients: number } }>(server, '/api/status');
    assert.equal(status.body.events.clients, open);
  });
});

void describe('WebSocket shutdown', () => {
  void it('closes every client with 1001 on spis.close()', async () => {
    const server = await startTestServer();
    const clients = await Promise.all([connectEvents(server.url), connectEvents(server.url)]);
    await server.close();
    for (const client of clients) assert.equal(await client.closed(), 1001);
  });
});

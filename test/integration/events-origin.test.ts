import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addUser, login, type Session } from '../helpers/auth.js';
import { startTestServer, type TestServer } from '../helpers/spis.js';
import { connectEvents } from '../helpers/ws-client.js';

void describe('event socket origin behind a proxy that rewrites Host', () => {
  let server: TestServer;
  let viewer: Session;
  before(async () => {
    server = await startTestServer({
      config: { publicUrl: 'https://photos.example.org:8443', trustProxy: true },
    });
    await addUser(server, 'vic', 'viewer');
    viewer = await login(server, 'vic');
  });
  after(() => server.close());

  void it('accepts pages from publicUrl even when Host lost its port', async () => {
    // What nginx's `$host` forwards: the name without the port the browser used.
    const client = await connectEvents(server.url, {
      headers: { cookie: viewer.cookie, host: 'photos.example.org' },
      origin: 'https://photos.example.org:8443',
    });
    try {
      assert.equal((await client.next((message) => message.type === 'hello')).type, 'hello');
    } finally {
      client.ws.terminate();
    }
  });

  void it('still refuses any other origin, the public host on another port or scheme included', async () => {
    for (const origin of [
      'https://photos.example.org:9443',
      'http://photos.example.org:8443',
      'https://evil.example',
    ]) {
      await assert.rejects(
        connectEvents(server.url, {
          headers: { cookie: viewer.cookie, host: 'photos.example.org' },
          origin,
        }),
        /refused with 401/,
        origin,
      );
    }
  });
});

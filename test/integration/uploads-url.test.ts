import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { jpegBuffer } from '../helpers/media.js';
import { api, startTestServer, type TestServer } from '../helpers/spis.js';
import { filesUnder } from '../helpers/uploads.js';
import type { UploadResult } from '../../server/shared/api-types.js';

interface Answer extends Partial<UploadResult> {
  error?: { code: string; message: string };
}

/** The URL source: a local HTTP server (the only kind of server a test may talk to). */
async function startSource(photo: Buffer) {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const port = (server.address() as AddressInfo).port;
    if (req.url === '/photo.jpg')
      res
        .writeHead(200, { 'content-type': 'image/jpeg', 'content-length': photo.length })
        .end(photo);
    else if (req.url === '/to-localhost')
      res.writeHead(302, { location: `http://localhost:${port}/photo.jpg` }).end();
    else if (req.url === '/to-self') res.writeHead(302, { location: '/photo.jpg' }).end();
    else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
    else if (req.url === '/missing.jpg') res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not a photo</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

void describe('POST /api/uploads {"url"}', () => {
  let guarded: TestServer;
  let allowed: TestServer;
  let source: Awaited<ReturnType<typeof startSource>>;
  const fetchUrl = (server: TestServer, url: string) =>
    api<Answer>(server, '/api/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });

  before(async () => {
    source = await startSource(
      await jpegBuffer({ taken: '2023:09:09 09:09:09', color: '#3366cc' }),
    );
    guarded = await startTestServer({ config: { uploads: { enabled: true, minFreeBytes: 0 } } });
    allowed = await startTestServer({
      config: {
        uploads: {
          enabled: true,
          minFreeBytes: 0,
          fetch: { allowHosts: [`127.0.0.1:${source.port}`], maxRedirects: 2 },
        },
      },
    });
  });

  after(async () => {
    await guarded?.close();
    await allowed?.close();
    await source?.close();
  });

  it('refuses every spelling of loopback before connecting, with a clear error', async () => {
    const port = source.port;
    const spellings = [
      '127.0.0.1',
      'localhost',
      '[::1]',
      '0x7f000001',
      '2130706433',
      '127.1',
      '[::ffff:127.0.0.1]',
      '0177.0.0.1',
    ];
    for (const host of spellings) {
      const answer = await fetchUrl(guarded, `http://${host}:${port}/photo.jpg`);
      assert.equal(answer.status, 400, `${host}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error?.code, 'url_refused', host);
      assert.match(answer.body.error?.message ?? '', /loopback address/, host);
    }
    assert.deepEqual(source.hits, [], 'the source never saw a request');
    assert.deepEqual(await filesUnder(guarded.media), []);
  });

  it('fetches from a host on uploads.fetch.allowHosts, following a redirect on the same host', async () => {
    const answer = await fetchUrl(allowed, `http://127.0.0.1:${source.port}/to-self`);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.item?.path, 'Uploads/local/2023/09/photo.jpg');
  });

  it('re-checks a redirect hop: an allowed host redirecting to a loopback name not on the list is refused', async () => {
    const before = source.hits.length;
    const answer = await fetchUrl(allowed, `http://127.0.0.1:${source.port}/to-localhost`);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.match(answer.body.error?.message ?? '', /localhost is a loopback address/);
    assert.deepEqual(
      source.hits.slice(before),
      ['/to-localhost'],
      'the second hop was never requested',
    );
  });

  it('bounds redirects and refuses what is not media or not there', async () => {
    const loop = await fetchUrl(allowed, `http://127.0.0.1:${source.port}/loop`);
    assert.equal(loop.status, 400);
    assert.match(loop.body.error?.message ?? '', /more than 2 redirects/);
    const html = await fetchUrl(allowed, `http://127.0.0.1:${source.port}/page.html`);
    assert.equal(html.status, 415);
    const missing = await fetchUrl(allowed, `http://127.0.0.1:${source.port}/missing.jpg`);
    assert.equal(missing.status, 502);
    assert.equal((await fetchUrl(allowed, 'file:///etc/passwd')).status, 400);
  });
});

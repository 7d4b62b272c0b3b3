import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureWebBuilt } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/spis.js';

/** A raw GET, so paths like `/../` reach the server unnormalised (fetch would clean them). */
function rawGet(server: TestServer, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end();
  });
}

void describe('static serving of the built PWA', () => {
  let server: TestServer;
  let bundle: string;

  before(async () => {
    await ensureWebBuilt();
    bundle = (await readdir(path.resolve(import.meta.dirname, '../../public/app'))).find((f) => f.endsWith('.js') && !f.endsWith('.map'))!;
    server = await startTestServer();
  });
  after(() => server?.close());

  void it('serves the shell revalidated and hashed bundles immutable, with types and compression', async () => {
    const shell = await rawGet(server, '/');
    assert.equal(shell.status, 200);
    assert.match(String(shell.headers['content-type']), /^text\/html/);
    assert.equal(shell.headers['cache-control'], 'no-cache');
    assert.ok(shell.body.includes(`/app/${bundle}`), 'index.html points at the hashed bundle');
    assert.ok(!/<script>|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=/i.test(shell.body), 'no inline script or handler');

    const js = await rawGet(server, `/app/${bundle}`, { 'accept-encoding': 'gzip' });
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.headers['content-encoding'], 'gzip');

    const again = await rawGet(server, `/app/${bundle}`, { 'if-none-match': String(js.headers.etag) });
    assert.equal(again.status, 304);
    for (const [file, type] of [['/sw.js', /^text\/javascript/], ['/manifest.webmanifest', /^application\/manifest\+json/], ['/icons/maskable-512.png', /^image\/png/]] as const) {
      const response = await rawGet(server, file);
      assert.equal(response.status, 200, file);
      assert.match(String(response.headers['content-type']), type, file);
    }
    assert.equal((await rawGet(server, '/sw.js')).headers['cache-control'], 'no-cache', 'a new worker reaches phones at once');
  });

  void it('falls back to the shell for app routes, never for /api or missing assets, and refuses traversal', async () => {
    assert.match((await rawGet(server, '/?year=2023&month=7')).body, /<main id="timeline"/);
    assert.match((await rawGet(server, '/some/client/route')).body, /<main id="timeline"/);
    const api = await rawGet(server, '/api/nothing-here');
    assert.equal(api.status, 404);
    assert.match(String(api.headers['content-type']), /json/);
    assert.equal((await rawGet(server, '/app/main-AAAAAAAA.js')).status, 404, 'a missing asset is not answered with HTML');
    for (const attack of ['/../package.json', '/app/../../package.json', '/%2e%2e/package.json', '/app/%2e%2e%2f%2e%2e%2fpackage.json', '/.git/config', '/app/..%5c..%5cpackage.json']) {
      const response = await rawGet(server, attack);
      assert.ok(!response.body.includes('"devDependencies"'), `${attack} must not leak files outside public/`);
      assert.ok(response.status === 404 || response.status === 400 || response.body.includes('<main id="timeline"'), `${attack} answered ${response.status}`);
    }
  });
});

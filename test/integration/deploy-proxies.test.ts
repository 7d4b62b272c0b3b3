import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { loadConfig } from '../../server/config/load.js';
import {
  readTemplate,
  renderTemplate,
  templateVars,
  type TemplateName,
} from '../../server/ops/templates.js';
import { addUser } from '../helpers/auth.js';
import { writeJpeg } from '../helpers/media.js';
import {
  freePort,
  httpsRequest,
  selfSignedCertificate,
  startCaddy,
  startNginx,
  type ProxyProcess,
  type Reply,
} from '../helpers/proxies.js';
import { startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

/**
 * `spis template nginx|caddy` as generated, in front of a real spis, on a random
 * non-default port with TLS from a self-signed certificate. The only changes to the
 * generated files are what an owner makes: certificate paths, and (for the test machine)
 * listening on loopback only; Caddy also gets global options (no admin endpoint, no
 * port-80 redirect listener).
 */
function adapt(name: TemplateName, text: string, cert: { cert: string; key: string }): string {
  if (name === 'nginx') {
    return text
      .replace(/^(\s+)listen \[::\]:\d+ ssl;\n/m, '')
      .replace(/^(\s+)listen (\d+) ssl;$/m, '$1listen 127.0.0.1:$2 ssl;')
      .replace(/^(\s+)ssl_certificate .*$/m, `$1ssl_certificate ${cert.cert};`)
      .replace(/^(\s+)ssl_certificate_key .*$/m, `$1ssl_certificate_key ${cert.key};`);
  }
  const globals = '{\n\tadmin off\n\tauto_https disable_redirects\n}\n\n';
  const site = text.replace(
    /^\t# tls \S+ \S+$/m,
    `\ttls ${cert.cert} ${cert.key}\n\tbind 127.0.0.1`,
  );
  assert.notEqual(site, text, 'the Caddyfile offers a tls line for own certificate files');
  return globals + site;
}

/** The same generated files for a plain http:// publicUrl on a non-default port. */
function adaptPlain(name: TemplateName, text: string): string {
  if (name === 'nginx') {
    return text
      .replace(/^(\s+)listen \[::\]:\d+;\n/m, '')
      .replace(/^(\s+)listen (\d+);$/m, '$1listen 127.0.0.1:$2;');
  }
  // No auto_https option: an http:// site address alone must keep Caddy off HTTPS and ACME.
  return '{\n\tadmin off\n}\n\n' + text.replace(/^(http:\/\/\S+ \{)$/m, '$1\n\tbind 127.0.0.1');
}

for (const name of ['nginx', 'caddy'] as const) {
  void describe(`spis behind ${name} for an http:// publicUrl on a non-default port`, () => {
    let server: TestServer;
    let proxy: ProxyProcess;
    let base: string;
    let removeDir: () => Promise<void>;
    const ca = Buffer.alloc(0);

    before(async () => {
      const dir = await tempDir(`spis-${name}-plain-`);
      removeDir = dir.remove;
      const port = await freePort();
      base = `http://localhost:${port}`;
      // spis without publicUrl: its WebSocket origin check then relies on the Host header
      // alone, which the proxy must pass on with its port.
      server = await startTestServer({ config: { trustProxy: true } });
      await addUser(server, 'ada', 'admin');
      const { config } = loadConfig({
        env: {},
        overrides: { host: '127.0.0.1', port: server.port, trustProxy: true, publicUrl: base },
      });
      const text = adaptPlain(
        name,
        renderTemplate(await readTemplate(name), templateVars({ config, configFile: null })),
      );
      proxy =
        name === 'nginx'
          ? await startNginx(text, dir.dir, port)
          : await startCaddy(text, dir.dir, port);
    });
    after(async () => {
      await proxy?.stop();
      await server?.close();
      await removeDir?.();
    });

    void it('serves the page, a non-Secure session cookie and a WebSocket hello; refuses /metrics', async () => {
      const page = await httpsRequest(`${base}/`, { ca, localAddress: '127.0.0.2' });
      assert.equal(page.status, 200);
      assert.equal(page.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
      const session = await httpsRequest(`${base}/api/session`, {
        ca,
        localAddress: '127.0.0.2',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ada', password: 'ada-password-123' }),
      });
      assert.equal(session.status, 200);
      const setCookie = ([] as string[]).concat(session.headers['set-cookie'] ?? []);
      assert.ok(
        setCookie.length > 0 && setCookie.every((line) => !/;\s*secure/i.test(line)),
        'a Secure cookie would never come back over http',
      );
      const cookie = setCookie.map((line) => line.split(';')[0]).join('; ');
      const socket = new WebSocket(`${base.replace('http', 'ws')}/api/events`, {
        localAddress: '127.0.0.2',
        origin: base,
        headers: { cookie },
      });
      try {
        const hello = await new Promise<{ type: string }>((resolve, reject) => {
          socket.once('message', (data: Buffer) =>
            resolve(JSON.parse(data.toString()) as { type: string }),
          );
          socket.once('unexpected-response', (_request, response) =>
            reject(new Error(`upgrade refused: ${response.statusCode}`)),
          );
          socket.once('error', reject);
        });
        assert.equal(hello.type, 'hello');
      } finally {
        socket.terminate();
      }
      for (const variant of ['/metrics', '/metrics/', '/METRICS']) {
        const response = await httpsRequest(base + variant, { ca, localAddress: '127.0.0.2' });
        assert.equal(response.status, 404, variant);
      }
    });
  });
}

for (const name of ['nginx', 'caddy'] as const) {
  void describe(`spis behind ${name} from \`spis template ${name}\``, () => {
    let server: TestServer;
    let proxy: ProxyProcess;
    let base: string;
    let ca: Buffer;
    let removeDir: () => Promise<void>;
    let itemId = '';
    const started = Date.now();
    const from = (
      localAddress: string,
      route: string,
      init: { method?: string; headers?: Record<string, string>; body?: string } = {},
    ): Promise<Reply> => httpsRequest(base + route, { ca, localAddress, ...init });
    const login = (localAddress: string, username: string, password: string) =>
      from(localAddress, '/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });

    before(async () => {
      const dir = await tempDir(`spis-${name}-`);
      removeDir = dir.remove;
      const certificate = await selfSignedCertificate(dir.dir);
      ca = certificate.pem;
      const port = await freePort();
      base = `https://localhost:${port}`;
      server = await startTestServer({
        config: { trustProxy: true, publicUrl: base },
        deps: { auth: { limits: { loginPerAddress: { capacity: 3, refillPerSecond: 0.001 } } } },
      });
      await writeJpeg(path.join(server.media, 'a.jpg'), { taken: '2023:07:14 18:22:05' });
      await waitFor(() => (server.spis.library.index.size === 1 ? true : undefined), {
        what: 'a.jpg indexed',
      });
      await addUser(server, 'ada', 'admin');
      // The template as `spis template` renders it for this spis (same config, same function).
      const { config } = loadConfig({
        env: {},
        overrides: { host: '127.0.0.1', port: server.port, trustProxy: true, publicUrl: base },
      });
      const text = renderTemplate(
        await readTemplate(name),
        templateVars({ config, configFile: null }),
      );
      const adapted = adapt(name, text, certificate);
      proxy =
        name === 'nginx'
          ? await startNginx(adapted, dir.dir, port)
          : await startCaddy(adapted, dir.dir, port);
    });
    after(async () => {
      await proxy?.stop();
      await server?.close();
      await removeDir?.();
    });

    void it('serves the page over TLS with HSTS', async () => {
      const page = await from('127.0.0.2', '/');
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(
        String(page.headers['strict-transport-security']),
        /max-age=\d+/,
        'spis knows the client used HTTPS',
      );
    });

    void it('logs in with a Secure, HttpOnly cookie', async () => {
      const response = await login('127.0.0.2', 'ada', 'ada-password-123');
      assert.equal(response.status, 200, response.body.toString());
      const cookie = ([] as string[])
        .concat(response.headers['set-cookie'] ?? [])
        .find((line) => line.startsWith('spis_session='));
      assert.ok(cookie, 'session cookie set');
      assert.match(cookie, /;\s*secure/i);
      assert.match(cookie, /;\s*httponly/i);
    });

    void it('serves a thumbnail with an ETag and 304, and originals by Range', async () => {
      const session = await login('127.0.0.2', 'ada', 'ada-password-123');
      const cookie = ([] as string[])
        .concat(session.headers['set-cookie'] ?? [])
        .map((line) => line.split(';')[0])
        .join('; ');
      const list = await from('127.0.0.2', '/api/media', { headers: { cookie } });
      assert.equal(list.status, 200);
      const items = (
        JSON.parse(list.body.toString()) as {
          items: Array<{ id: string; thumbs: { small: string } }>;
        }
      ).items;
      assert.equal(items.length, 1);
      itemId = items[0]!.id;
      const thumb = await from('127.0.0.2', items[0]!.thumbs.small, {
        headers: { cookie, accept: 'image/webp' },
      });
      assert.equal(thumb.status, 200);
      const etag = String(thumb.headers.etag);
      assert.ok(etag.length > 2, 'ETag passed through');
      const again = await from('127.0.0.2', items[0]!.thumbs.small, {
        headers: { cookie, accept: 'image/webp', 'if-none-match': etag },
      });
      assert.equal(again.status, 304);
      const range = await from('127.0.0.2', `/api/media/${itemId}/original`, {
        headers: { cookie, range: 'bytes=0-99' },
      });
      assert.equal(range.status, 206);
      assert.match(String(range.headers['content-range']), /^bytes 0-99\/\d+$/);
      assert.equal(range.body.length, 100);
      assert.deepEqual([...range.body.subarray(0, 2)], [0xff, 0xd8], 'the start of the JPEG');
    });

    void it('says hello over a WebSocket on a non-default port', async () => {
      const session = await login('127.0.0.2', 'ada', 'ada-password-123');
      const cookie = ([] as string[])
        .concat(session.headers['set-cookie'] ?? [])
        .map((line) => line.split(';')[0])
        .join('; ');
      const socket = new WebSocket(`${base.replace('https', 'wss')}/api/events`, {
        ca,
        localAddress: '127.0.0.2',
        origin: base,
        headers: { cookie },
      });
      try {
        const hello = await new Promise<{ type: string; count: number }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no hello within 10 s')), 10_000);
          socket.once('message', (data: Buffer) => {
            clearTimeout(timer);
            resolve(JSON.parse(data.toString()) as { type: string; count: number });
          });
          socket.once('unexpected-response', (_request, response) =>
            reject(new Error(`upgrade refused: ${response.statusCode}`)),
          );
          socket.once('error', reject);
        });
        assert.equal(hello.type, 'hello');
        assert.equal(hello.count, 1);
      } finally {
        socket.terminate();
      }
    });

    void it('sees each client’s own address: one is throttled, another still logs in', async () => {
      for (let attempt = 0; attempt < 3; attempt++)
        assert.equal((await login('127.0.0.5', 'ada', 'wrong-password-123')).status, 401);
      assert.equal(
        (await login('127.0.0.5', 'ada', 'ada-password-123')).status,
        429,
        'the fourth try from one address is throttled',
      );
      assert.equal(
        (await login('127.0.0.6', 'ada', 'ada-password-123')).status,
        200,
        'another address is not',
      );
      const line = await waitFor(
        () => server.logs.find((entry) => entry.msg === 'request' && entry.status === 429),
        { what: 'the throttled request logged' },
      );
      assert.equal(line.ip, '127.0.0.5', 'logged with the address the proxy saw');
    });

    void it('refuses /metrics and its case and slash variants', async () => {
      // Straight to spis from loopback it is served: the proxy is what refuses it.
      assert.equal((await fetch(`${server.url}/metrics`)).status, 200);
      for (const variant of [
        '/metrics',
        '/metrics/',
        '/METRICS',
        '/Metrics',
        '/metrics/x',
        '//metrics',
        '/%6Detrics',
        '/metrics?x=1',
      ]) {
        const response = await from('127.0.0.2', variant);
        assert.ok(
          response.status === 404 || response.status === 400,
          `${variant}: ${response.status}`,
        );
        assert.ok(!response.body.toString().includes('spis_'), `${variant} leaked metrics`);
      }
      process.stdout.write(`# ${name} checks took ${Date.now() - started} ms\n`);
    });
  });
}

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { httpSender } from '../../server/webhooks/sender.js';

void describe('webhook HTTP sender', () => {
  let server: http.Server;
  let base = '';
  const seen: Array<{ method: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', headers: req.headers, body });
        if (req.url === '/hang') return; // never answers
        if (req.url === '/redirect') return void res.writeHead(302, { location: '/ok' }).end();
        res.writeHead(req.url === '/ok' ? 202 : 503).end('ignored body');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  void it('POSTs the body with the given headers and reports the status', async () => {
    const result = await httpSender({ url: `${base}/ok`, headers: { 'x-spis-event': 'media.added' }, body: '{"ü":1}', timeoutMs: 2000 });
    assert.deepEqual(result, { status: 202 });
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.body, '{"ü":1}');
    assert.equal(last.headers['content-length'], String(Buffer.byteLength('{"ü":1}')));
    assert.equal(last.headers['x-spis-event'], 'media.added');
  });

  void it('does not follow redirects', async () => {
    assert.deepEqual(await httpSender({ url: `${base}/redirect`, headers: {}, body: '{}', timeoutMs: 2000 }), { status: 302 });
  });

  void it('gives up on a receiver that never answers after the timeout', async () => {
    await assert.rejects(httpSender({ url: `${base}/hang`, headers: {}, body: '{}', timeoutMs: 150 }), /no answer within 150 ms/);
  });

  void it('stops when aborted and fails on a refused connection', async () => {
    const controller = new AbortController();
    const pending = httpSender({ url: `${base}/hang`, headers: {}, body: '{}', timeoutMs: 10_000, signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, /abort/i);
    await assert.rejects(httpSender({ url: 'http://127.0.0.1:9/', headers: {}, body: '{}', timeoutMs: 2000 }), /ECONNREFUSED/);
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addUser } from '../helpers/auth.js';
import { run } from '../helpers/media.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

function request(server: TestServer, ca: Buffer, method: string, route: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: server.port, path: route, method, ca, servername: 'localhost', headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

void describe('HTTPS', () => {
  let server: TestServer;
  let ca: Buffer;
  let remove: () => Promise<void>;

  before(async () => {
    const dir = await tempDir('spis-tls-');
    remove = dir.remove;
    const cert = path.join(dir.dir, 'cert.pem');
    const key = path.join(dir.dir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert]);
    ca = await readFile(cert);
    server = await startTestServer({ config: { tls: { cert, key } } });
    await addUser(server, 'ann', 'admin', 'the-right-password');
  });
  after(async () => {
    await server.close();
    await remove();
  });

  void it('serves HTTPS with HSTS and Secure session cookies', async () => {
    assert.match(server.url, /^https:\/\//);
    const page = await request(server, ca, 'GET', '/api/session');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['strict-transport-security']), /max-age=\d+/);
    const login = await request(server, ca, 'POST', '/api/session', JSON.stringify({ username: 'ann', password: 'the-right-password' }));
    assert.equal(login.status, 200);
    const cookie = (login.headers['set-cookie'] as string[]).find((line) => line.startsWith('spis_session='));
    assert.match(cookie ?? '', /;\s*secure/i);
    assert.match(cookie ?? '', /httponly/i);
  });
});

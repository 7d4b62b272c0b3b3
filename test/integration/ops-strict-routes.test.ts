import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type Router from '@koa/router';
import { after, before, describe, it } from 'node:test';
import { addUser, as, login, type Session } from '../helpers/auth.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';
import { requireProgram } from '../helpers/system-programs.js';

/** The routers a running app mounted (`router.routes()` keeps a reference to its router, routerChain() to its routers). */
function mountedRouters(server: TestServer): Router[] {
  return server.spis.app.middleware.flatMap((fn) => {
    const { router, routers } = fn as { router?: Router; routers?: Router[] };
    return routers ?? (router ? [router] : []);
  });
}

/** Every GET route's pattern with its parameters filled in. */
function getRoutes(server: TestServer): string[] {
  return mountedRouters(server).flatMap((router) =>
    router.stack
      .filter((layer) => layer.methods.includes('GET') && typeof layer.path === 'string')
      .map((layer) => (layer.path as string).replace(/:(\w+)/g, 'x1')),
  );
}

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const labelText = line.slice(name.length).split(' ')[0] ?? '';
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

async function promtool(text: string): Promise<{ code: number | null; output: string }> {
  const bin = await requireProgram('promtool');
  const child = spawn(bin, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(text);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, output };
}

void describe('strict routing', () => {
  let server: TestServer;
  let admin: Session;
  before(async () => {
    server = await startTestServer({ config: { trustProxy: true } });
    await addUser(server, 'ada', 'admin');
    admin = await login(server, 'ada');
  });
  after(() => server.close());

  void it('answers no trailing-slash or other-case alias of any route', async () => {
    const routes = getRoutes(server);
    assert.ok(
      routes.includes('/metrics') && routes.includes('/api/media/x1'),
      `routes found: ${routes.join(' ')}`,
    );
    for (const route of routes) {
      for (const alias of [
        `${route}/`,
        route.toUpperCase(),
        route.replace(/^\/(\w)/, (_, c: string) => `/${c.toUpperCase()}`),
      ]) {
        const response = await api<string>(server, alias, { headers: as(admin) });
        assert.equal(response.status, 404, `${alias}: ${response.status}`);
        assert.ok(
          !/spis_|"items"|"status"/.test(JSON.stringify(response.body)),
          `${alias} answered as ${route}`,
        );
      }
    }
  });

  void it('serves static files under their one name only', async () => {
    const shell = await api<string>(server, '/');
    assert.equal(shell.status, 200);
    for (const alias of ['/index.html/', '//index.html', '/METRICS', '/Api/media']) {
      assert.equal((await api(server, alias, { headers: as(admin) })).status, 404, alias);
    }
  });
});

void describe('request metrics and logs', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { trustProxy: true } });
    await addUser(server, 'ada', 'admin');
  });
  after(() => server.close());

  void it('counts requests, labelling refusals of the access gate with their route', async () => {
    assert.equal((await api(server, '/api/media')).status, 401);
    assert.equal((await api(server, '/api/media/abc/thumb/small')).status, 401);
    const text = (await api<string>(server, '/metrics')).body;
    assert.equal(
      sample(text, 'spis_http_requests_total', {
        method: 'GET',
        route: '/api/media',
        status: '401',
      }),
      1,
    );
    assert.equal(
      sample(text, 'spis_http_requests_total', {
        method: 'GET',
        route: '/api/media/:id/thumb/:size',
        status: '401',
      }),
      1,
    );
    assert.equal(
      sample(text, 'spis_http_request_duration_seconds_count', {
        route: '/api/media',
        status: '401',
      }),
      1,
    );
    assert.ok(
      !/route="\(static\)",status="401"|status="401".*route="\(static\)"/.test(text),
      'no 401 under (static)',
    );
  });

  void it('logs the client address the access policy used', async () => {
    await api(server, '/api/folders', {
      headers: { 'X-Forwarded-For': '198.51.100.7, 203.0.113.20' },
    });
    const line = await waitFor(
      () => server.logs.find((entry) => entry.msg === 'request' && entry.route === '/api/folders'),
      {
        what: 'request log line',
      },
    );
    assert.equal(line.status, 401);
    // maxIpsCount 1: the hop the proxy appended, not what the client wrote on the left.
    assert.equal(line.ip, '203.0.113.20');
  });

  void it('passes promtool check metrics without a single warning', async () => {
    await api(server, '/probe/ready');
    const text = (await api<string>(server, '/metrics')).body;
    const { code, output } = await promtool(text);
    assert.equal(output.trim(), '', output);
    assert.equal(code, 0);
  });
});

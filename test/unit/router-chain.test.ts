import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type Router from '@koa/router';
import Koa from 'koa';
import { createRouter } from '../../server/api/router.js';
import { literalStarts, routerChain } from '../../server/api/router-chain.js';

/** Routers shaped like the app's: prefixes, parameters, a catch-all parameter route last, custom methods. */
function routers(): Router[] {
  const probe = createRouter();
  probe.get('/probe/ready', (ctx) => (ctx.body = 'ready'));
  const media = createRouter({ prefix: '/api' });
  media.get('/media', (ctx) => (ctx.body = 'list'));
  media.get('/media/:id', (ctx) => (ctx.body = `item ${ctx.params.id}`));
  media.put('/media/:id/favorite', (ctx) => (ctx.body = `fav ${ctx.params.id}`));
  const uploads = createRouter({ prefix: '/api' });
  uploads.post('/uploads', (ctx) => (ctx.body = 'upload'));
  uploads.register('/uploads/tus/:id', ['HEAD', 'PATCH', 'OPTIONS', 'DELETE'], (ctx) => (ctx.body = `tus ${ctx.method}`));
  const thumbs = createRouter({ prefix: '/api' });
  thumbs.get('/media/:id/thumb/:size', (ctx) => (ctx.body = `thumb ${ctx.params.size}`));
  const outputs = createRouter({ prefix: '/api' });
  outputs.get('/media/:id/:output', (ctx) => (ctx.body = `output ${ctx.params.output}`));
  const status = createRouter();
  status.get('/api/status', (ctx) => (ctx.body = 'status'));
  return [probe, media, uploads, thumbs, outputs, status];
}

/** The same app mounted both ways; the route label is what the request log would name. */
async function serve(mount: (app: Koa, routers: Router[]) => void): Promise<{ url: string; server: http.Server }> {
  const app = new Koa();
  app.use(async (ctx, next) => {
    await next();
    ctx.set('X-Route', String((ctx as { _matchedRoute?: unknown })._matchedRoute ?? '-'));
  });
  mount(app, routers());
  app.use((ctx) => {
    if (ctx.method === 'GET' && !ctx.path.startsWith('/api/')) ctx.body = 'static';
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function ask(url: string, method: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(`${res.statusCode} allow=${res.headers.allow ?? '-'} route=${res.headers['x-route']} ${body}`));
    });
    request.on('error', reject);
    request.end();
  });
}

void describe('routerChain', () => {
  let plain: Awaited<ReturnType<typeof serve>>;
  let chained: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    plain = await serve((app, list) => {
      for (const router of list) {
        app.use(router.routes());
        app.use(router.allowedMethods());
      }
    });
    chained = await serve((app, list) => app.use(routerChain(list)));
  });
  after(() => {
    plain?.server.close();
    chained?.server.close();
  });

  it('answers every method and path exactly as one routes() + allowedMethods() per router', async () => {
    const paths = ['/probe/ready', '/probe/ready/', '/api/media', '/api/Media', '/api/media/abc', '/api/media/abc/favorite', '/api/media/abc/thumb/small', '/api/media/abc/w32.jpg', '/api/media/a/b/c', '/api/uploads', '/api/uploads/tus/xyz', '/api/status', '/api/nothing', '/', '/app/x.js', '/metrics'];
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'];
    let differences = 0;
    for (const path of paths) {
      for (const method of methods) {
        const [a, b] = await Promise.all([ask(plain.url + path, method), ask(chained.url + path, method)]);
        assert.equal(b, a, `${method} ${path}`);
        if (a !== b) differences++;
      }
    }
    assert.equal(differences, 0);
    // The matrix covers the cases that matter: handled, 405 with Allow, OPTIONS, 501, 404.
    assert.match(await ask(chained.url + '/api/media', 'POST'), /^405 allow=HEAD, GET/);
    assert.match(await ask(chained.url + '/api/media', 'PROPFIND'), /^501/);
    assert.match(await ask(chained.url + '/api/media', 'OPTIONS'), /^200 allow=HEAD, GET/);
  });

  it('knows the literal start of each route', () => {
    const [, media, uploads] = routers();
    assert.deepEqual(literalStarts(media!), ['/api/media', '/api/media/', '/api/media/']);
    assert.deepEqual(literalStarts(uploads!), ['/api/uploads', '/api/uploads/tus/']);
  });

  it('lists the routers it mounts', () => {
    const list = routers();
    assert.equal(routerChain(list).routers, list);
  });
});

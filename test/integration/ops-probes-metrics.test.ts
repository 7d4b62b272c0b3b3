import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';
import { writeJpeg } from '../helpers/media.js';
import type { StatusSections } from '../../server/api/status-route.js';
import { createMetrics } from '../../server/ops/metrics.js';
import { registerStatusFallbacks } from '../../server/ops/status-readers.js';

/** One sample's value from Prometheus text, by metric name and label subset. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const labelText = line.slice(name.length).split(' ')[0] ?? '';
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

async function scrape(server: { url: string }): Promise<string> {
  const response = await fetch(server.url + '/metrics');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return response.text();
}

void describe('probes and metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await writeJpeg(path.join(server.media, 'a.jpg'), { taken: '2023:07:14 18:22:05' });
    await waitFor(() => (server.spis.library.index.size === 1 ? true : undefined), { what: 'a.jpg indexed' });
  });
  after(() => server.close());

  void it('answers live and ready once indexed', async () => {
    assert.equal((await api(server, '/probe/live')).status, 200);
    const ready = await api<{ status: string }>(server, '/probe/ready');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
  });

  void it('counts a served request under its route pattern, not its URL', async () => {
    const route = '/api/media/:id';
    const before = sample(await scrape(server), 'spis_http_request_duration_seconds_count', { route, status: '404' }) ?? 0;
    await api(server, '/api/media/nope-1');
    await api(server, '/api/media/nope-2');
    const text = await scrape(server);
    assert.equal(sample(text, 'spis_http_request_duration_seconds_count', { route, status: '404', method: 'GET' }), before + 2);
    assert.ok(!text.includes('nope-1'), 'raw URLs never become labels');
  });

  void it('reports index size, readiness, scan duration and process memory', async () => {
    const text = await scrape(server);
    assert.equal(sample(text, 'spis_index_items'), 1);
    assert.equal(sample(text, 'spis_index_ready'), 1);
    assert.ok((sample(text, 'spis_index_scan_duration_seconds') ?? -1) >= 0);
    assert.ok((sample(text, 'spis_process_resident_memory_bytes') ?? 0) > 0);
    for (const name of ['spis_thumbnail_render_duration_seconds', 'spis_cache_hits_total', 'spis_webhook_deliveries_total']) {
      assert.ok(text.includes(`# TYPE ${name}`), `${name} is declared`);
    }
  });

  void it('counts thumbnail renders and memory-cache hits', async () => {
    const text = await scrape(server);
    const renders = sample(text, 'spis_thumbnail_renders_total', { kind: 'thumbnail' }) ?? 0;
    const hits = sample(text, 'spis_cache_hits_total', { cache: 'thumbnail-memory' }) ?? 0;
    const largeRenders = { size: 'large', kind: 'image' };
    const timed = sample(text, 'spis_thumbnail_render_duration_seconds_count', largeRenders) ?? 0;
    const [item] = server.spis.library.index.all();
    // `large` is never pre-generated: the first request renders, the second is a memory hit.
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${server.url}/api/media/${item!.id}/thumb/large`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
    const after = await scrape(server);
    assert.equal(sample(after, 'spis_thumbnail_renders_total', { kind: 'thumbnail' }), renders + 1);
    assert.ok((sample(after, 'spis_cache_hits_total', { cache: 'thumbnail-memory' }) ?? 0) > hits);
    assert.ok((sample(after, 'spis_cache_bytes', { cache: 'thumbnail-memory' }) ?? 0) > 0);
    // The render's duration is observed once, and it took some time.
    assert.equal(sample(after, 'spis_thumbnail_render_duration_seconds_count', largeRenders), timed + 1);
    assert.ok((sample(after, 'spis_thumbnail_render_duration_seconds_sum', largeRenders) ?? 0) > 0);
  });

  void it('reads gauges of parts without a reader from their status sections', async () => {
    const metrics = createMetrics();
    const status: StatusSections = new Map([['webhooks', () => ({ backlog: 7 })]]);
    registerStatusFallbacks(metrics, status);
    assert.equal(sample(await metrics.registry.metrics(), 'spis_webhook_backlog'), 7);
    metrics.read('webhookBacklog', () => 3); // a part's own reader wins
    assert.equal(sample(await metrics.registry.metrics(), 'spis_webhook_backlog'), 3);
    assert.equal(sample(await metrics.registry.metrics(), 'spis_websocket_clients'), 0, 'no reader, no section: zero');
  });

  void it('logs requests without secret query values', async () => {
    await api(server, '/api/media?sig=SECRETSIG&token=SECRETTOKEN&limit=1');
    const line = await waitFor(() => server.logs.find((entry) => entry.msg === 'request' && String(entry.url).includes('limit=1')), {
      what: 'request log line',
    });
    assert.equal(line.route, '/api/media');
    assert.equal(typeof line.status, 'number');
    assert.equal(typeof line.ms, 'number');
    // A share token in the path (a credential) is hidden too.
    await api(server, '/api/shares/SECRETSHARETOKEN/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await waitFor(() => server.logs.find((entry) => entry.msg === 'request' && entry.route === '/api/shares/:token/session'), {
      what: 'share request log line',
    });
    assert.ok(!JSON.stringify(server.logs).includes('SECRET'), 'no secret in any log line');
  });

  void it('keeps per-app registries apart', async () => {
    const other = await startTestServer();
    try {
      assert.equal(sample(await scrape(other), 'spis_index_items'), 0);
      assert.notEqual(other.spis.metrics.registry, server.spis.metrics.registry);
    } finally {
      await other.close();
    }
  });
});

void describe('readiness before the first index', () => {
  void it('is 503 until the index is done, while live is 200', async () => {
    const server = await startTestServer({ waitReady: false });
    try {
      // listen() starts indexing in the background; the probe must not claim ready before it ends.
      const seen = await api(server, '/probe/ready');
      assert.equal(seen.status, server.spis.library.isReady ? 200 : 503);
      await server.spis.start();
      assert.equal((await api(server, '/probe/ready')).status, 200);
    } finally {
      await server.close();
    }
  });
});

void describe('metrics access', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { trustProxy: true } });
  });
  after(() => server.close());

  void it('refuses a remote client seen through a trusted proxy, even one claiming loopback', async () => {
    for (const forwarded of ['203.0.113.9', '127.0.0.1, 203.0.113.9']) {
      const response = await api<string>(server, '/metrics', { headers: { 'X-Forwarded-For': forwarded } });
      assert.ok([401, 403].includes(response.status), `${forwarded}: ${response.status}`);
      assert.ok(!JSON.stringify(response.body).includes('spis_index_items'));
    }
    // The proxy's own view (the last hop it appended) decides: a local client passes.
    assert.equal((await api(server, '/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9, 127.0.0.1' } })).status, 200);
  });

  void it('serves everyone with metrics.public', async () => {
    const open = await startTestServer({ config: { trustProxy: true, metrics: { public: true } } });
    try {
      const response = await api(open, '/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      assert.equal(response.status, 200);
    } finally {
      await open.close();
    }
  });
});

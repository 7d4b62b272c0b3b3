import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/proxies.js';
import { startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';
import { requireProgram } from '../helpers/system-programs.js';

interface QueryResult {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

void describe('a real Prometheus scraping spis', () => {
  let server: TestServer;
  let prometheus: ChildProcess;
  let output = '';
  let api = '';
  let removeDir: () => Promise<void>;

  before(async () => {
    const bin = await requireProgram('prometheus');
    server = await startTestServer();
    const dir = await tempDir('spis-prometheus-');
    removeDir = dir.remove;
    const config = path.join(dir.dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: spis',
        '    static_configs:',
        `      - targets: ["127.0.0.1:${server.port}"]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}/api/v1`;
    prometheus = spawn(
      bin,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    prometheus.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await server?.close();
    await removeDir?.();
  });

  async function query(expression: string): Promise<QueryResult['data']['result'] | undefined> {
    const response = await fetch(`${api}/query?query=${encodeURIComponent(expression)}`).catch(
      () => null,
    );
    if (!response?.ok) return undefined;
    const body = (await response.json()) as QueryResult;
    return body.status === 'success' ? body.data.result : undefined;
  }

  void it('finds the target up and reads spis series from it', async () => {
    const started = Date.now();
    const up = await waitFor(
      async () => {
        if (prometheus.exitCode !== null) throw new Error(`prometheus exited: ${output}`);
        const result = await query('up{job="spis"}');
        return result?.[0]?.value[1] === '1' ? result : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `up == 1 (prometheus said: ${output})` },
    );
    assert.equal(up.length, 1);
    const items = await waitFor(async () => (await query('spis_index_ready'))?.[0], {
      timeoutMs: 10_000,
      what: 'spis_index_ready scraped',
    });
    assert.equal(items.value[1], '1');
    // Prometheus took every sample: nothing was dropped as malformed.
    const scraped = await query('scrape_samples_scraped{job="spis"}');
    assert.ok(Number(scraped?.[0]?.value[1]) > 20, 'samples scraped');
    process.stdout.write(`# prometheus saw up == 1 after ${Date.now() - started} ms\n`);
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '../../server/config/load.js';
import { parseStoreSetting } from '../../server/state/store-setting.js';
import { freePort, startNginx } from '../helpers/proxies.js';
import { requireProgram } from '../helpers/system-programs.js';

const exec = promisify(execFile);
const deploy = path.resolve(import.meta.dirname, '../../deploy');

interface Service {
  environment?: Record<string, string>;
  volumes?: string[];
}

void describe('scale-out deployment files', () => {
  void it('compose: three replicas with one store, polling, the media read-only and a data volume each', async () => {
    const compose = parse(await readFile(path.join(deploy, 'compose.replicas.yml'), 'utf8'), {
      merge: true,
    }) as {
      services: Record<string, Service>;
    };
    const replicas = ['spis-1', 'spis-2', 'spis-3'].map((name) => compose.services[name]!);
    const dataVolumes = new Set<string>();
    for (const service of replicas) {
      const { config } = loadConfig({ env: service.environment! });
      assert.equal(parseStoreSetting(config.state.store)?.kind, 'redis');
      assert.match(config.state.store, /^redis:\/\/valkey:6379/);
      assert.equal(config.watch.usePolling, true, 'a network share needs polling');
      assert.equal(config.trustProxy, true);
      assert.ok(service.volumes!.includes('media:/media:ro'));
      const data = service.volumes!.find((v) => v.endsWith(':/data'));
      assert.ok(data);
      dataVolumes.add(data);
    }
    assert.equal(dataVolumes.size, 3, 'each replica its own data folder');
    assert.ok(compose.services.valkey);
    assert.ok(compose.services.nginx!.volumes!.some((v) => v.startsWith('./nginx.replicas.conf:')));
  });

  void it('nginx: round robin over the replicas without stickiness', async () => {
    const hits = [0, 0, 0];
    const upstreams = await Promise.all(
      hits.map(async (_, index) => {
        const server = http.createServer((_req, res) => {
          hits[index]!++;
          res.end(String(index));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return server;
      }),
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'spis-nginx-replicas-'));
    const port = await freePort();
    let site = await readFile(path.join(deploy, 'nginx.replicas.conf'), 'utf8');
    upstreams.forEach((server, index) => {
      site = site.replace(
        `spis-${index + 1}:8080`,
        `127.0.0.1:${(server.address() as AddressInfo).port}`,
      );
    });
    const proxy = await startNginx(
      site.replace('listen 80;', `listen 127.0.0.1:${port};`),
      dir,
      port,
    );
    try {
      for (let i = 0; i < 9; i++) {
        // A new connection each time, as different browsers would come: no cookie, no stickiness.
        const response = await fetch(`http://127.0.0.1:${port}/api/media`, {
          headers: { connection: 'close' },
        });
        assert.equal(response.status, 200);
        await response.text();
      }
      assert.deepEqual(hits, [3, 3, 3]);
    } finally {
      await proxy.stop();
      for (const server of upstreams) server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('systemd: the template unit verifies for an instance', async () => {
    const bin = await requireProgram('systemd-analyze');
    const dir = await mkdtemp(path.join(tmpdir(), 'spis-unit-'));
    try {
      const unit = (await readFile(path.join(deploy, 'spis@.service'), 'utf8')).replace(
        /^ExecStart=\S+ /m,
        `ExecStart=${process.execPath} `,
      );
      assert.match(
        unit,
        /^Environment=SPIS_DATA=\/var\/lib\/spis\/%i$/m,
        'a data folder per instance',
      );
      assert.match(unit, /^Environment=SPIS_WATCH_USE_POLLING=true$/m);
      await writeFile(path.join(dir, 'spis@8081.service'), unit);
      const { stdout, stderr } = await exec(bin, ['verify', path.join(dir, 'spis@8081.service')]);
      assert.equal((stdout + stderr).trim(), '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

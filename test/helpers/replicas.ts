import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { freePort, startNginx, type ProxyProcess } from './proxies.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { spawnSpis, stopSpis, type SpisProcess } from './spis-process.js';

export interface ReplicaOptions {
  /** How many `spis serve` processes (default 3). */
  count?: number;
  /** Written as the replicas' JSON config file (webhooks, retry timing, …). */
  config?: Record<string, unknown>;
  /** Extra command-line flags for every replica. */
  args?: string[];
  /** How long one replica may take to listen (several starting at once on a busy machine are slow). */
  startTimeoutMs?: number;
  /** Runs once Redis is up, before any replica starts: e.g. users added with the CLI, files placed. */
  prepare?: (redis: RedisServer, media: string) => Promise<void>;
}

export interface ReplicaSet {
  redis: RedisServer;
  /** The one media folder every replica indexes (polling on, as on a network share). */
  media: string;
  /** Each replica's own data folder (index snapshot, thumbnail and video caches). */
  dataDirs: string[];
  /** Direct URL of each replica; a replica's port stays the same across restarts. */
  urls: string[];
  /** nginx in front, round robin without stickiness. */
  lbUrl: string;
  /** The running process of each replica, or null while it is down. */
  processes: Array<SpisProcess | null>;
  /** Ends replica `index` at once, as a crash would (no shutdown, nothing flushed). */
  kill(index: number): Promise<void>;
  /** Starts replica `index` again on its port and data folder. */
  restart(index: number): Promise<void>;
  /** Stops everything and removes every folder. */
  dispose(): Promise<void>;
}

/**
 * A real Redis, N real `spis serve` processes over one media folder with the state in that
 * Redis, and a real nginx balancing between them: the scaled-out installation, on loopback.
 *
 * Each replica gets its own data folder, like replicas on separate hosts with local disks:
 * derived files (index snapshot, thumbnails, video renditions) are per replica, shared
 * state is in Redis only, and a replica killed mid-write cannot leave a half-written file
 * another replica reads.
 */
export async function startReplicas({
  count = 3,
  config = {},
  args = [],
  startTimeoutMs = 150_000,
  prepare,
}: ReplicaOptions = {}): Promise<ReplicaSet> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'spis-replicas-'));
  const media = path.join(root, 'media');
  await mkdir(media);
  const dataDirs = Array.from({ length: count }, (_, i) => path.join(root, `data-${i}`));
  for (const dir of dataDirs) await mkdir(dir);
  const configFile = path.join(root, 'config.json');
  const redis = await startRedisServer();
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  await writeFile(configFile, JSON.stringify(config));
  const processes: Array<SpisProcess | null> = Array.from({ length: count }, () => null);
  let nginx: ProxyProcess | null = null;

  const launch = async (index: number) => {
    processes[index] = await spawnSpis(
      [
        '--media',
        media,
        '--data',
        dataDirs[index]!,
        '--port',
        String(ports[index]),
        '--config',
        configFile,
        '--state-store',
        redis.url,
        '--watch-polling',
        ...args,
      ],
      { timeoutMs: startTimeoutMs },
    );
  };
  const set: ReplicaSet = {
    redis,
    media,
    dataDirs,
    urls: ports.map((port) => `http://127.0.0.1:${port}`),
    lbUrl: '',
    processes,
    async kill(index) {
      const proc = processes[index];
      processes[index] = null;
      if (proc) await stopSpis(proc, 'SIGKILL');
    },
    restart: launch,
    async dispose() {
      await nginx?.stop();
      await Promise.all(processes.map((proc) => (proc ? stopSpis(proc) : null)));
      await redis.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await prepare?.(redis, media);
    // allSettled: a replica that failed to start must not leave the others running unseen.
    const launched = await Promise.allSettled(processes.map((_, index) => launch(index)));
    const failed = launched.find(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    if (failed) throw failed.reason;
    const lbPort = await freePort();
    nginx = await startNginx(nginxSite(lbPort, ports), root, lbPort);
    set.lbUrl = `http://127.0.0.1:${lbPort}`;
  } catch (error) {
    await set.dispose();
    throw error;
  }
  return set;
}

/** Round robin, no stickiness; a replica that refuses connections is skipped for a moment. */
export function nginxSite(port: number, upstreams: readonly number[]): string {
  return [
    'map $http_upgrade $connection_upgrade { default upgrade; "" close; }',
    'upstream spis {',
    ...upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`),
    '    keepalive 16;',
    '}',
    'server {',
    `    listen 127.0.0.1:${port};`,
    '    client_max_body_size 0;',
    '    location / {',
    '        proxy_pass http://spis;',
    '        proxy_http_version 1.1;',
    '        proxy_set_header Host $http_host;',
    '        proxy_set_header Upgrade $http_upgrade;',
    '        proxy_set_header Connection $connection_upgrade;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_next_upstream error timeout;',
    '        proxy_read_timeout 1h;',
    '    }',
    '}',
    '',
  ].join('\n');
}

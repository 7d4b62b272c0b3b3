import { cp } from 'node:fs/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { freePort, startNginx, type ProxyProcess } from '../helpers/proxies.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { nginxSite } from '../helpers/replicas.js';
import type { RunningChild } from './lib/child.js';
import { treeRssMiB } from './lib/proc.js';
import { percentile, repeat, round, summarize } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';
import { largeLibrary } from './library-fixtures.js';
import { startServer, type ServerInfo } from './listing-bench.js';

const LIST_CONNECTIONS = 20;
const TOGGLE_CONNECTIONS = 10;

interface Setup {
  name: string;
  servers: Array<RunningChild<ServerInfo>>;
  nginx: ProxyProcess;
  lbUrl: string;
}

interface WriteRequest {
  method: string;
  path: string;
}

interface LoadFigures {
  rps: number;
  p99: number;
  p50: number;
  bad: number;
}

async function loadRun(
  base: string,
  durationS: number,
  connections: number,
  requests?: WriteRequest[],
): Promise<LoadFigures> {
  const result = await autocannon({
    url: base + (requests ? '' : '/api/media?limit=100'),
    connections,
    duration: durationS,
    ...(requests ? { requests } : {}),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.errors + result.timeouts + result.non2xx,
  };
}

/** A setup's name as a folder name (nginx's config takes no spaces in paths). */
const slug = (name: string) => name.replace(/[^a-z0-9]+/gi, '-');

/** Favorite on, favorite off, over a few items: every request is a write. */
function toggles(ids: readonly string[]): WriteRequest[] {
  return ids.flatMap((id) => [
    { method: 'PUT', path: `/api/media/${id}/favorite` },
    { method: 'DELETE', path: `/api/media/${id}/favorite` },
  ]);
}

/**
 * Scale-out overhead: the same library served by one process keeping its state in files, by
 * one replica with its state in Redis and by three replicas, each behind nginx round robin.
 * On a machine of two cores three replicas cannot be faster; the figures show what the extra
 * hop (nginx) and the Redis round trip cost, and the memory of a replica.
 */
export async function runReplicasBench(ctx: BenchContext): Promise<Section> {
  const items = ctx.quick ? 2_000 : 10_000;
  const durationS = ctx.quick ? 3 : 8;
  const lib = await largeLibrary(ctx, items);
  const redis: RedisServer = await startRedisServer();
  const setups: Setup[] = [];
  const started: Array<RunningChild<ServerInfo>> = [];
  try {
    const launch = async (name: string, count: number, store: string | null): Promise<Setup> => {
      const servers: Array<RunningChild<ServerInfo>> = [];
      const ports: number[] = [];
      for (let i = 0; i < count; i++) {
        // Each replica its own copy of the data folder (index snapshot): a warm start, as on a separate host.
        const data = path.join(await ctx.tempDir(`replicas-${slug(name)}-`), 'data');
        await cp(lib.data, data, { recursive: true });
        const port = await freePort();
        const server = await startServer(lib.media, data, {
          port,
          ...(store ? { state: { store } } : {}),
        });
        servers.push(server);
        started.push(server);
        ports.push(port);
      }
      const lbPort = await freePort();
      const nginx = await startNginx(
        nginxSite(lbPort, ports),
        await ctx.tempDir(`replicas-nginx-${slug(name)}-`),
        lbPort,
      );
      return { name, servers, nginx, lbUrl: `http://127.0.0.1:${lbPort}` };
    };
    setups.push(await launch('files, 1 process', 1, null));
    setups.push(await launch('Redis, 1 replica', 1, redis.url));
    setups.push(await launch('Redis, 3 replicas', 3, redis.url));

    const page = (await (await fetch(`${setups[0]!.lbUrl}/api/media?limit=100`)).json()) as {
      items: Array<{ id: string }>;
    };
    const writes = toggles(page.items.slice(0, 10).map((item) => item.id));
    for (const setup of setups) {
      await loadRun(setup.lbUrl, 1, LIST_CONNECTIONS); // warm-up: JIT, keep-alive connections
      await loadRun(setup.lbUrl, 1, TOGGLE_CONNECTIONS, writes);
    }

    // Rounds interleave the setups, so load from elsewhere on the machine hits them alike.
    type Key =
      `${'list' | 'toggle'}${'Rps' | 'P99'}${0 | 1 | 2}` | `toggleP50Direct${0 | 1}` | `bad`;
    const runs = await repeat<Key>(Math.max(3, ctx.repeats), async () => {
      const out = { bad: 0 } as Record<Key, number>;
      for (const [i, setup] of setups.entries()) {
        const list = await loadRun(setup.lbUrl, durationS, LIST_CONNECTIONS);
        const toggle = await loadRun(setup.lbUrl, durationS, TOGGLE_CONNECTIONS, writes);
        out[`listRps${i as 0 | 1 | 2}`] = list.rps;
        out[`listP99${i as 0 | 1 | 2}`] = list.p99;
        out[`toggleRps${i as 0 | 1 | 2}`] = toggle.rps;
        out[`toggleP99${i as 0 | 1 | 2}`] = toggle.p99;
        out.bad += list.bad + toggle.bad;
      }
      // One write at a time, straight to the process (no nginx): the latency a write costs.
      for (const i of [0, 1] as const) {
        const port = setups[i]!.servers[0]!.info.port;
        out[`toggleP50Direct${i}`] = (
          await loadRun(`http://127.0.0.1:${port}`, durationS, 1, writes)
        ).p50;
      }
      return out;
    });

    // The Redis round trip itself, from Node on this machine: a write as a transaction plus a publish.
    const client = new Redis(redis.url);
    const latencies: number[] = [];
    try {
      for (let i = 0; i < 2000; i++) {
        const t0 = process.hrtime.bigint();
        await client
          .multi()
          .hset('bench:marks', `item-${i % 100}`, i % 2 ? '1' : '0')
          .publish('bench:events', 'x')
          .exec();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    } finally {
      client.disconnect();
    }
    const rtt = summarize(latencies);

    const rssFiles = await treeRssMiB(setups[0]!.servers[0]!.pid);
    const rssReplica = await treeRssMiB(setups[2]!.servers[0]!.pid);
    const names = setups.map((s) => s.name);
    const perSetup = (
      prefix: 'listRps' | 'listP99' | 'toggleRps' | 'toggleP99',
      unit: string,
      label: string,
    ) =>
      names.map((name, i) => ({
        name: `${label}: ${name}`,
        unit,
        summary: runs[`${prefix}${i as 0 | 1 | 2}` as Key],
      }));
    const ratio = (a: Key, b: Key) => round(runs[a].median / runs[b].median, 2);
    return {
      id: 'replicas',
      title: `Scale-out: 1 and 3 replicas behind nginx (${items / 1000}k items)`,
      status: 'ok',
      method:
        `The real server in child processes (watcher and thumbnail pre-generation off, warm start from a copy of the index snapshot each) over one ${items / 1000}k-item library, behind a real nginx (round robin, keep-alive) for each setup: ` +
        `files mode in one process; state in a real redis-server with one replica; with three replicas. autocannon in the harness process: GET /api/media?limit=100 with ${LIST_CONNECTIONS} connections, ` +
        `favorite PUT/DELETE over 10 items with ${TOGGLE_CONNECTIONS} connections, ${durationS} s each, setups interleaved in each of ${Math.max(3, ctx.repeats)} rounds (medians). ` +
        `Write latency: one connection straight to the process (no nginx). Redis round trip: 2,000 sequential MULTI (HSET + PUBLISH) from Node. RSS: process tree after the rounds.`,
      figures: [
        ...perSetup('listRps', 'requests/s', 'GET /api/media throughput'),
        ...perSetup('listP99', 'ms', 'GET /api/media p99'),
        ...perSetup('toggleRps', 'requests/s', 'favorite toggle throughput'),
        ...perSetup('toggleP99', 'ms', 'favorite toggle p99'),
        {
          name: 'one write at a time, p50: files mode',
          unit: 'ms',
          summary: runs.toggleP50Direct0,
        },
        {
          name: 'one write at a time, p50: Redis mode',
          unit: 'ms',
          summary: runs.toggleP50Direct1,
        },
        {
          name: 'Redis round trip (MULTI HSET + PUBLISH), p50',
          unit: 'ms',
          summary: { ...rtt, runs: [] },
          note: `p99 ${round(percentile(latencies, 99), 3)} ms`,
        },
        { name: 'RSS: one process, files mode', unit: 'MiB', summary: summarize([rssFiles]) },
        {
          name: 'RSS: one of three replicas, Redis mode',
          unit: 'MiB',
          summary: summarize([rssReplica]),
        },
      ],
      ratios: [
        {
          name: 'GET throughput: 3 replicas ÷ 1 process (files)',
          value: ratio('listRps2', 'listRps0'),
          note: `on ${'this'} machine's cores; > 1 only with spare cores`,
        },
        {
          name: 'GET throughput: 1 replica (Redis) ÷ 1 process (files)',
          value: ratio('listRps1', 'listRps0'),
          note: 'reads never touch Redis: ≈ 1 expected',
        },
        {
          name: 'toggle throughput: 1 replica (Redis) ÷ 1 process (files)',
          value: ratio('toggleRps1', 'toggleRps0'),
          note: 'the cost of the store on writes',
        },
        {
          name: 'toggle throughput: 3 replicas ÷ 1 process (files)',
          value: ratio('toggleRps2', 'toggleRps0'),
          note: '',
        },
        {
          name: 'one write, p50: Redis ÷ files',
          value: ratio('toggleP50Direct1', 'toggleP50Direct0'),
          note: 'latency of a single favorite toggle',
        },
        {
          name: 'RSS: replica ÷ single process',
          value: round(rssReplica / rssFiles, 2),
          note: 'memory of one replica against the files-mode process',
        },
      ],
      targets: [],
      raw: { bad: runs.bad.median, loadRuns: runs },
      markdown:
        runs.bad.median > 0
          ? `${runs.bad.median} errors or non-2xx answers per round (median).`
          : undefined,
    };
  } finally {
    for (const setup of setups) await setup.nginx.stop();
    await Promise.all(started.map((server) => server.stop()));
    await redis.dispose();
  }
}

/**
 * Live events benchmark: latency from a file copied into the media folder to its
 * `media.added` on a WebSocket and to its webhook at a real local receiver (median, p99),
 * and event throughput when many files arrive at once.
 *
 *   node --import tsx test/bench/events.ts [--files=200] [--burst=1000] [--interval=50]
 *
 * spis, the WebSocket client and the receiver share one process (and the machine's cores),
 * so the figures include that contention; the watcher's settle time is part of the latency.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { jpegBuffer } from '../helpers/media.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { startReceiver } from '../helpers/webhook-receiver.js';
import { connectEvents } from '../helpers/ws-client.js';
import { percentile, summarize } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';

export interface EventsBenchOptions {
  /** Files copied one by one for the latency figures. */
  files?: number;
  /** Milliseconds between two of those copies. */
  intervalMs?: number;
  /** Files copied at once for the throughput figure. */
  burst?: number;
  /** The watcher's settle time (spis' default is 300 ms). */
  settleMs?: number;
  log?: (message: string) => void;
}

export interface LatencyFigures {
  median: number;
  p99: number;
  max: number;
}

export interface EventsBenchResult {
  settleMs: number;
  files: number;
  /** Copy to the library's announcement on the bus: watcher settle, metadata, small thumbnail. */
  announceLatencyMs: LatencyFigures;
  wsLatencyMs: LatencyFigures;
  webhookLatencyMs: LatencyFigures;
  /** From the bus announcement on: what the hub and the webhook outbox add. */
  busToWsMs: LatencyFigures;
  busToWebhookMs: LatencyFigures;
  burst: {
    files: number;
    announceSeconds: number;
    wsSeconds: number;
    webhookSeconds: number;
    wsEventsPerSecond: number;
    webhookEventsPerSecond: number;
  };
  /** The same number of events emitted straight on the bus: what the hub and outbox sustain alone. */
  busBurst: { events: number; wsEventsPerSecond: number; webhookEventsPerSecond: number };
}

const SECRET = 'bench-secret-0123456789abcdef';

/** Distinct small JPEGs (distinct content, so each is its own item), written once to a staging folder. */
async function stage(dir: string, count: number, prefix: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${String(i).padStart(5, '0')}.jpg`;
    const color = `#${((i * 2654435761) >>> 8).toString(16).padStart(6, '0').slice(0, 6)}`;
    await writeFile(path.join(dir, name), await jpegBuffer({ width: 96, height: 64, color }));
    names.push(name);
  }
  return names;
}

const figures = (values: number[]): LatencyFigures => ({
  median: round(summarize(values).median),
  p99: round(percentile(values, 99)),
  max: round(Math.max(...values)),
});
const round = (n: number) => Math.round(n * 10) / 10;

export async function runEventsBench(options: EventsBenchOptions = {}): Promise<EventsBenchResult> {
  const { files = 200, intervalMs = 50, burst = 1000, settleMs = 300, log = () => undefined } = options;
  const staging = await tempDir('spis-bench-events-');
  const receiver = await startReceiver(SECRET);
  try {
    log(`staging ${files + burst} files`);
    const single = await stage(path.join(staging.dir, 'single'), files, 'one');
    const many = await stage(path.join(staging.dir, 'burst'), burst, 'many');
    const server = await startTestServer({
      config: {
        watch: { settleMs },
        log: { level: 'warn' },
        webhooks: [{ url: receiver.url, secret: SECRET, events: ['media.added'] }],
      },
    });
    try {
      const arrivals: Arrivals = { bus: new Map(), ws: new Map(), hook: new Map() };
      server.spis.bus.on('media.added', ({ item }) => arrivals.bus.set(item.path, performance.now()));
      const client = await connectEvents(server.url);
      client.ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; item?: { path: string } };
        if (message.type === 'media.added' && message.item) arrivals.ws.set(message.item.path, performance.now());
      });
      receiver.respond = (hook) => {
        const item = hook.json.data.item as { path: string } | undefined;
        if (item) arrivals.hook.set(item.path, performance.now());
        return 204;
      };
      const latency = await measureLatency(server.media, path.join(staging.dir, 'single'), single, intervalMs, arrivals, log);
      const throughput = await measureBurst(server.media, path.join(staging.dir, 'burst'), many, arrivals, log);
      const busBurst = await measureBusBurst(server.spis, burst, arrivals, log);
      client.ws.terminate();
      return { settleMs, files, ...latency, burst: throughput, busBurst };
    } finally {
      await server.close();
    }
  } finally {
    await receiver.close();
    await staging.remove();
  }
}

type Arrivals = { bus: Map<string, number>; ws: Map<string, number>; hook: Map<string, number> };

async function waitAll(arrivals: Arrivals, rels: string[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!rels.every((rel) => arrivals.ws.has(rel) && arrivals.hook.has(rel))) {
    if (performance.now() > deadline) {
      const missing = rels.filter((rel) => !arrivals.ws.has(rel) || !arrivals.hook.has(rel)).length;
      throw new Error(`${missing} of ${rels.length} files did not arrive within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function measureLatency(media: string, from: string, names: string[], intervalMs: number, arrivals: Arrivals, log: (m: string) => void) {
  log(`latency: copying ${names.length} files, one every ${intervalMs} ms`);
  await mkdir(path.join(media, 'single'), { recursive: true });
  const copied = new Map<string, number>();
  for (const name of names) {
    const rel = `single/${name}`;
    await copyFile(path.join(from, name), path.join(media, rel));
    copied.set(rel, performance.now());
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  await waitAll(arrivals, [...copied.keys()], 120_000);
  const since = (to: Map<string, number>, from: (rel: string, at: number) => number) =>
    figures([...copied].map(([rel, at]) => to.get(rel)! - from(rel, at)));
  const announced = (rel: string) => arrivals.bus.get(rel)!;
  return {
    announceLatencyMs: since(arrivals.bus, (_rel, at) => at),
    wsLatencyMs: since(arrivals.ws, (_rel, at) => at),
    webhookLatencyMs: since(arrivals.hook, (_rel, at) => at),
    busToWsMs: since(arrivals.ws, announced),
    busToWebhookMs: since(arrivals.hook, announced),
  };
}

async function measureBurst(media: string, from: string, names: string[], arrivals: Arrivals, log: (m: string) => void) {
  log(`throughput: copying ${names.length} files at once`);
  await mkdir(path.join(media, 'burst'), { recursive: true });
  const rels = names.map((name) => `burst/${name}`);
  const started = performance.now();
  for (let i = 0; i < names.length; i += 32) {
    await Promise.all(names.slice(i, i + 32).map((name) => copyFile(path.join(from, name), path.join(media, 'burst', name))));
  }
  await waitAll(arrivals, rels, 300_000);
  const last = (map: Map<string, number>) => Math.max(...rels.map((rel) => map.get(rel)!)) - started;
  const announceSeconds = last(arrivals.bus) / 1000;
  const wsSeconds = last(arrivals.ws) / 1000;
  const webhookSeconds = last(arrivals.hook) / 1000;
  return {
    files: names.length,
    announceSeconds: round(announceSeconds),
    wsSeconds: round(wsSeconds),
    webhookSeconds: round(webhookSeconds),
    wsEventsPerSecond: Math.round(names.length / wsSeconds),
    webhookEventsPerSecond: Math.round(names.length / webhookSeconds),
  };
}

async function measureBusBurst(spis: TestServer['spis'], count: number, arrivals: Arrivals, log: (m: string) => void) {
  log(`bus burst: ${count} media.added events emitted at once`);
  const template = spis.library.present([...spis.library.index.all()][0]!);
  const rels = Array.from({ length: count }, (_, i) => `bus/${i}.jpg`);
  const started = performance.now();
  for (const [i, rel] of rels.entries()) spis.bus.emit('media.added', { item: { ...template, id: `bus${i}`, path: rel } });
  await waitAll(arrivals, rels, 120_000);
  const rate = (map: Map<string, number>) => Math.round(count / ((Math.max(...rels.map((rel) => map.get(rel)!)) - started) / 1000));
  return { events: count, wsEventsPerSecond: rate(arrivals.ws), webhookEventsPerSecond: rate(arrivals.hook) };
}

/** Adapter for `npm run bench` (test/bench/run.ts). */
export async function runEventsBenchSection(ctx: BenchContext): Promise<Section> {
  const result = await runEventsBench({ files: ctx.quick ? 50 : 200, burst: ctx.quick ? 200 : 1000, log: ctx.log });
  const one = (value: number) => summarize([value]);
  return {
    id: 'events',
    title: 'Live events: file copy to WebSocket and webhook',
    status: 'ok',
    method: `${result.files} files copied 50 ms apart into a watched folder (settle ${result.settleMs} ms); latency from copy done to media.added on one WebSocket client and to receipt at a local webhook receiver. Then ${result.burst.files} files copied at once.`,
    figures: [
      { name: 'copy → WebSocket, median', unit: 'ms', summary: one(result.wsLatencyMs.median) },
      { name: 'copy → WebSocket, p99', unit: 'ms', summary: one(result.wsLatencyMs.p99) },
      { name: 'copy → webhook, median', unit: 'ms', summary: one(result.webhookLatencyMs.median) },
      { name: 'copy → webhook, p99', unit: 'ms', summary: one(result.webhookLatencyMs.p99) },
      { name: 'bus → WebSocket, p99 (hub only)', unit: 'ms', summary: one(result.busToWsMs.p99) },
      { name: 'bus → webhook, p99 (outbox + HTTP)', unit: 'ms', summary: one(result.busToWebhookMs.p99) },
      { name: `${result.burst.files} files at once → WebSocket`, unit: 'events/s', summary: one(result.burst.wsEventsPerSecond) },
      { name: `${result.burst.files} files at once → webhooks`, unit: 'events/s', summary: one(result.burst.webhookEventsPerSecond) },
      { name: `${result.busBurst.events} bus events at once → WebSocket`, unit: 'events/s', summary: one(result.busBurst.wsEventsPerSecond) },
      { name: `${result.busBurst.events} bus events at once → webhooks`, unit: 'events/s', summary: one(result.busBurst.webhookEventsPerSecond) },
    ],
    ratios: [],
    targets: [],
    raw: result,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const result = await runEventsBench({
    files: Number(arg('files') ?? 200),
    burst: Number(arg('burst') ?? 1000),
    intervalMs: Number(arg('interval') ?? 50),
    log: (message) => process.stderr.write(`[events] ${message}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

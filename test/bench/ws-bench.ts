import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { idForPath } from '../../server/media/record-factory.js';
import { percentile, repeat, round } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';
import { startServer } from './listing-bench.js';

const CLIENTS = 500;

async function connect(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no hello within 20 s')), 20_000);
    socket.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', reject);
  });
  return socket;
}

/**
 * One round: a favorite toggle through the API, timed from just before the request to
 * each client's receipt of the resulting `media.updated` (so it includes the HTTP request,
 * the bus and the fan-out to every socket).
 */
async function round1(clients: WebSocket[], base: string, id: string, favorite: boolean): Promise<number[]> {
  const latencies: number[] = [];
  const t0 = performance.now();
  const all = Promise.all(
    clients.map(
      (socket) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('a client got no media.updated within 10 s')), 10_000);
          const onMessage = (data: Buffer) => {
            const message = JSON.parse(data.toString('utf8')) as { type: string };
            if (message.type !== 'media.updated') return;
            latencies.push(performance.now() - t0);
            clearTimeout(timer);
            socket.off('message', onMessage);
            resolve();
          };
          socket.on('message', onMessage);
        }),
    ),
  );
  const response = await fetch(`${base}/api/media/${id}/favorite`, { method: favorite ? 'PUT' : 'DELETE' });
  if (response.status !== 200) throw new Error(`favorite toggle answered ${response.status}`);
  await all;
  return latencies;
}

export async function runWsBench(ctx: BenchContext): Promise<Section> {
  const media = await ctx.tempDir('ws-media-');
  const source = ctx.corpus.files.find((f) => f.kind === 'jpeg' && f.width === 1600)!;
  await mkdir(path.join(media, 'a'), { recursive: true });
  await copyFile(path.join(ctx.corpus.media, source.rel), path.join(media, 'a/one.jpg'));
  const server = await startServer(media, await ctx.tempDir('ws-data-'));
  const base = `http://127.0.0.1:${server.info.port}`;
  const clients: WebSocket[] = [];
  const rounds = ctx.quick ? 8 : 20;
  try {
    const t0 = performance.now();
    for (let i = 0; i < CLIENTS; i += 50) {
      clients.push(...(await Promise.all(Array.from({ length: 50 }, () => connect(`ws://127.0.0.1:${server.info.port}/api/events`)))));
    }
    const connectMs = performance.now() - t0;
    const id = idForPath('a/one.jpg');
    let favorite = false;
    const runs = await repeat(ctx.repeats, async () => {
      const all: number[] = [];
      const lasts: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const latencies = await round1(clients, base, id, (favorite = !favorite));
        all.push(...latencies);
        lasts.push(Math.max(...latencies));
      }
      return { p50: percentile(all, 50), p99: percentile(all, 99), last: percentile(lasts, 50) };
    });
    return {
      id: 'ws',
      title: `WebSocket fan-out to ${CLIENTS} clients (/api/events)`,
      status: 'ok',
      method:
        `The real server in a child process; ${CLIENTS} ws clients in the harness process connected to /api/events (all ${CLIENTS} connected and greeted in ${round(connectMs, 0)} ms). ` +
        `Per run, ${rounds} favorite toggles (PUT/DELETE /api/media/:id/favorite); latency from just before the request to each client's receipt of media.updated, so it includes the HTTP request.`,
      figures: [
        { name: 'latency p50 over all clients', unit: 'ms', summary: runs.p50 },
        { name: 'latency p99 over all clients', unit: 'ms', summary: runs.p99 },
        { name: 'time until the last of 500 clients has the event (median over rounds)', unit: 'ms', summary: runs.last },
      ],
      ratios: [],
      targets: [],
    };
  } finally {
    for (const socket of clients) socket.terminate();
    await server.stop();
  }
}

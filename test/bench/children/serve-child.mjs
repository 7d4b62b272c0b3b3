/**
 * The real spis server in its own process (so a load generator never shares its event
 * loop). Prints `{"port":…,"readyMs":…,"verifiedMs":…}` once the first index is done and verified; exits on SIGTERM.
 * Config comes as JSON in BENCH_CONFIG, merged over quiet defaults.
 *
 * Plain JavaScript over the compiled server (dist/, `npm run build:server`), as `npm start`
 * runs it: no TypeScript loader in the process, whose hooks thread and transpiled sources
 * would count in its memory and start-up.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'server');
if (!existsSync(path.join(dist, 'app.js'))) throw new Error(`no compiled server in ${dist}: run \`npm run build:server\` first`);
const { createSpis } = await import(pathToFileURL(path.join(dist, 'app.js')).href);
const { loadConfig } = await import(pathToFileURL(path.join(dist, 'config', 'load.js')).href);

const overrides = JSON.parse(process.env.BENCH_CONFIG ?? '{}');
const { config } = loadConfig({
  // Only what a profile sets on purpose (--profile=pi: the thumbnail cache of a 1 GB Pi).
  env: { SPIS_THUMBNAILS_MEMORY_CACHE_BYTES: process.env.SPIS_THUMBNAILS_MEMORY_CACHE_BYTES },
  overrides: { port: 0, host: '127.0.0.1', timezone: 'UTC', log: { level: 'silent', format: 'json' }, ...overrides },
});
const t0 = performance.now();
const spis = await createSpis(config);
const { port } = await spis.listen();
await spis.start();
const readyMs = performance.now() - t0;
// Served from the snapshot at ready; the start-up walk then stats every file to verify it.
// Benchmarks start once it is done, so they measure the server at rest, not the walk.
await spis.library.verified;
const verifiedMs = performance.now() - t0;
const m = process.memoryUsage();
process.stdout.write(JSON.stringify({ port, readyMs, verifiedMs, items: spis.library.index.size, rss: m.rss }) + '\n');

// CPU time on request: load-independent cost per request, whatever else shares the machine.
process.on('SIGUSR2', () => {
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
});
// Where the memory is, on request (SIGUSR1 is the inspector's; this uses SIGWINCH, which nothing sends a server).
// With --expose-gc (the small-machine settings) it also says how much of the heap is live.
process.on('SIGWINCH', () => {
  const u = process.memoryUsage();
  const memory = { rss: u.rss, heapTotal: u.heapTotal, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers };
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    memory.liveHeap = process.memoryUsage().heapUsed;
  }
  process.stdout.write(JSON.stringify({ memory }) + '\n');
});

let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  void spis.close().finally(() => process.exit(0));
});

/**
 * The real spis server in its own process (so a load generator never shares its event
 * loop). Prints `{"port":…,"readyMs":…}` once the first index is done; exits on SIGTERM.
 * Config comes as JSON in BENCH_CONFIG, merged over quiet defaults.
 */
import { performance } from 'node:perf_hooks';
import { createSpis } from '../../../server/app.js';
import { loadConfig } from '../../../server/config/load.js';

const overrides = JSON.parse(process.env.BENCH_CONFIG ?? '{}') as Record<string, unknown>;
const { config } = loadConfig({
  env: {},
  overrides: { port: 0, host: '127.0.0.1', timezone: 'UTC', log: { level: 'silent', format: 'json' }, ...overrides },
});
const t0 = performance.now();
const spis = await createSpis(config);
const { port } = await spis.listen();
await spis.start();
const readyMs = performance.now() - t0;
const m = process.memoryUsage();
process.stdout.write(JSON.stringify({ port, readyMs, items: spis.library.index.size, rss: m.rss }) + '\n');

// CPU time on request: load-independent cost per request, whatever else shares the machine.
process.on('SIGUSR2', () => {
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
});

let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  void spis.close().finally(() => process.exit(0));
});

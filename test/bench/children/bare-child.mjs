/**
 * The floor for an HTTP route: a bare node:http server answering every request with the
 * same bytes and headers the real route sent (BENCH_BODY_FILE, BENCH_CONTENT_TYPE and, for
 * an encoded body, BENCH_CONTENT_ENCODING). No routing, no middleware: what Node itself
 * costs to send that body. Plain JavaScript, like serve-child.mjs: no TypeScript loader.
 * Prints `{"port":…}` once listening; answers SIGUSR2 with its CPU time; exits on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import process from 'node:process';

const body = readFileSync(process.env.BENCH_BODY_FILE);
const headers = {
  'content-type': process.env.BENCH_CONTENT_TYPE ?? 'application/json; charset=utf-8',
  'content-length': String(body.length),
  'cache-control': 'no-cache',
  ...(process.env.BENCH_CONTENT_ENCODING ? { 'content-encoding': process.env.BENCH_CONTENT_ENCODING, vary: 'Accept-Encoding' } : {}),
};
const server = http.createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(JSON.stringify({ port }) + '\n');
});
process.on('SIGUSR2', () => {
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

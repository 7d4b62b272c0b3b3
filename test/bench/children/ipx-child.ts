/** ipx (the peer for on-the-fly resizes) as a plain Node server over MEDIA, port printed once listening. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';

const ipx = createIPX({ storage: ipxFSStorage({ dir: process.env.BENCH_MEDIA ?? '.' }) });
const server = http.createServer(createIPXNodeServer(ipx));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n');
});
process.on('SIGUSR2', () => {
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

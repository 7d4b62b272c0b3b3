import { mkdir, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { errorMiddleware } from './api/error-middleware.js';
import { mediaRoutes } from './api/media-routes.js';
import { statusRoute, type StatusSections } from './api/status-route.js';
import type { Config } from './config/schema.js';
import { EventBus } from './events/bus.js';
import { Library } from './media/library.js';
import { createLogger, type Logger } from './ops/logger.js';

export interface SpisDeps {
  log?: Logger;
}

export interface Spis {
  config: Config;
  app: Koa;
  bus: EventBus;
  library: Library;
  log: Logger;
  /** Named sections added to `/api/status`. */
  status: StatusSections;
  /** The HTTP server once `listen()` ran. */
  server: http.Server | null;
  /** Starts indexing (resolves when the first index is complete). */
  start(): Promise<void>;
  listen(): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/**
 * The composition root: builds every part from a validated config and wires them together.
 * Nothing here listens until `listen()`, so tests can build as many servers as they like.
 */
export async function createSpis(config: Config, deps: SpisDeps = {}): Promise<Spis> {
  const log = deps.log ?? createLogger(config.log);
  await prepareFolders(config, log);

  const bus = new EventBus();
  const library = new Library({
    mediaDir: config.media,
    dataDir: config.data,
    zone: config.timezone,
    watch: config.watch,
    bus,
    log,
  });
  const status: StatusSections = new Map();

  const app = new Koa({ proxy: config.trustProxy });
  app.silent = true; // errors are logged by errorMiddleware, once
  app.use(errorMiddleware(log));
  for (const router of [mediaRoutes(library), statusRoute(library, status)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }

  let server: http.Server | null = null;
  let started: Promise<void> | null = null;
  const spis: Spis = {
    config,
    app,
    bus,
    library,
    log,
    status,
    get server() {
      return server;
    },
    start() {
      started ??= library.start();
      return started;
    },
    async listen() {
      server = http.createServer(app.callback());
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      void spis.start().catch((error: Error) => log.fatal({ err: error }, 'indexing failed'));
      return { port, url: `http://${host}:${port}` };
    },
    async close() {
      if (server) {
        const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeAllConnections();
        await closing;
      }
      if (started) await started.catch(() => undefined);
      await library.close();
    },
  };
  return spis;
}

async function prepareFolders(config: Config, log: Logger): Promise<void> {
  const media = await stat(config.media).catch(() => null);
  if (!media) {
    // Only the missing root itself is created, so the defaults work on a first run.
    await mkdir(config.media, { recursive: true });
    log.warn({ media: config.media }, 'media folder did not exist: created it empty; put photos and videos there');
  } else if (!media.isDirectory()) {
    throw new Error(`media folder ${config.media} is not a folder`);
  }
  await mkdir(config.data, { recursive: true, mode: 0o700 });
}

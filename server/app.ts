import { mkdir, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { apiCompression } from './api/compression.js';
import { errorMiddleware } from './api/error-middleware.js';
import { mediaRoutes } from './api/media-routes.js';
import { MediaListing } from './api/media-listing.js';
import { firstScreenMarkup } from './api/first-screen.js';
import { statusRoute, type StatusSections } from './api/status-route.js';
import type { Config } from './config/schema.js';
import { EventBus } from './events/bus.js';
import { Library } from './media/library.js';
import { createLogger, type Logger } from './ops/logger.js';
import { originalRoute } from './api/original-route.js';
import { thumbRoutes } from './api/thumb-routes.js';
import { transformRoutes } from './api/transform-routes.js';
import { createVideoProber, locateVideoTools } from './media/video-probe.js';
import { setupThumbnails, type Thumbnails } from './thumbs/setup.js';
import { metricsRoute } from './api/metrics-route.js';
import { probeRoutes } from './api/probe-routes.js';
import { trackHttp, type HttpDrain } from './ops/http-drain.js';
import { httpMiddleware } from './ops/http-middleware.js';
import { routePatterns } from './ops/route-patterns.js';
import { createMetrics, registerIndexMetrics, type Metrics } from './ops/metrics.js';
import { registerStatusFallbacks } from './ops/status-readers.js';
import { collectStartupGarbage } from './ops/startup-garbage.js';
import { createLiveEvents, type LiveEvents } from './events/live-events.js';
import { AuthService, type RateLimits } from './auth/auth-service.js';
import { accessMiddleware } from './auth/access-middleware.js';
import { decideBind } from './auth/bind-policy.js';
import { createHttpServer } from './auth/http-server.js';
import { securityHeaders } from './api/security-headers.js';
import { sessionRoutes } from './api/session-routes.js';
import { shareRoutes } from './api/share-routes.js';
import { staticRoutes } from './api/static-routes.js';
import { routerChain } from './api/router-chain.js';
import { commandRoutes } from './api/command-routes.js';
import { CommandService } from './commands/command-service.js';
import { uploadRoutes } from './api/upload-routes.js';
import { UploadService } from './uploads/upload-service.js';
import { playRoute } from './api/play-route.js';
import { setupVideo, type Video } from './video/setup.js';
import { RedisConnection } from './state/redis-connection.js';
import { parseStoreSetting } from './state/store-setting.js';
import { StateChannel } from './state/state-channel.js';
import { RedisMarks } from './state/redis-marks.js';
import { openSharedAuth } from './state/shared-auth.js';
import { observeStore } from './state/store-observability.js';
import { readCookie } from './auth/principal.js';

export interface SpisDeps {
  log?: Logger;
  /** Clock and rate limits for access control (tests and benchmarks). */
  auth?: { now?: () => number; limits?: Partial<RateLimits> };
  /** Whether to fall back to the npm-installed ffmpeg builds (off in tests of the no-ffmpeg path). */
  videoInstallers?: boolean;
  /** Whether renditions are made in the background (off for CLI runs that only index). */
  backgroundTranscodes?: boolean;
}

export interface Spis {
  config: Config;
  app: Koa;
  bus: EventBus;
  library: Library;
  log: Logger;
  /** Prometheus instruments (one registry per app); parts record into them. */
  metrics: Metrics;
  /** Named sections added to `/api/status`. */
  status: StatusSections;
  /** Thumbnails, transforms and their background queue. */
  thumbs: Thumbnails;
  /** The `/api/events` WebSocket hub and the webhook outbox. */
  live: LiveEvents;
  /** Video playback decisions, renditions and their transcode queue. */
  video: Video;
  /** Users, tokens, sessions, share links, signed URLs and rate limits. */
  auth: AuthService;
  /** The shared state store's connection when `state.store` is a Redis URL; null with `files`. */
  redis: RedisConnection | null;
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
  const redis = await openStateStore(config, log);
  const channel = redis ? new StateChannel(redis, log) : null;

  const videoTools = await locateVideoTools(config.video, log, deps.videoInstallers ?? true);
  const bus = new EventBus();
  const library = new Library({
    mediaDir: config.media,
    dataDir: config.data,
    zone: config.timezone,
    watch: config.watch,
    bus,
    log,
    probeVideo: videoTools.ffprobe ? createVideoProber(videoTools.ffprobe) : null,
    ...(redis && channel ? { openMarks: () => RedisMarks.open(redis, channel, log) } : {}),
  });
  void library.verified.then(collectStartupGarbage);
  const status: StatusSections = new Map();
  const thumbs = setupThumbnails({ config, library, log, status, tools: videoTools });
  const metrics = createMetrics();
  const observeRender = (size: string, kind: string, seconds: number) => metrics.thumbnailRender.observe({ size, kind }, seconds);
  thumbs.service.onRendered = observeRender;
  thumbs.transforms.onRendered = observeRender;
  registerIndexMetrics(metrics, library);
  registerStatusFallbacks(metrics, status);
  observeStore(redis, metrics, status);
  const live = createLiveEvents({ config, bus, library, log, metrics, status, redis });
  const video = await setupVideo({ config, library, log, status, tools: videoTools, thumbnailsIdle: () => thumbs.queue.idle(), background: deps.backgroundTranscodes ?? true });
  library.playbackOf = video.playback.playbackOf;
  // Progress ticks reach open lightboxes over WebSockets only; finished or failed renditions
  // are changes worth a webhook too.
  video.onProgress = (record) => live.hub.broadcast({ type: 'media.updated', item: library.present(record) });
  video.onChange = (record) => bus.emit('media.updated', { item: library.present(record) });
  const shared = redis ? await openSharedAuth(redis, channel) : undefined;
  const auth = new AuthService({ config, index: library.index, marksOf: library.marksOf, ...(shared ? { shared } : {}), ...deps.auth });
  await auth.open();
  const uploads = new UploadService(config, library, log);
  await uploads.open();
  live.hub.setAuthorizer(async (request) => {
    await auth.refresh(request.headers.authorization, (name) => readCookie(request.headers.cookie, name));
    return auth.authenticateUpgrade(request) ? true : auth.usersExist ? 401 : 403;
  });
  let closing = false;

  // maxIpsCount 1: with trustProxy, the client is the address our proxy appended last; the
  // left of X-Forwarded-For is whatever the client sent, so trusting it would let anyone
  // claim to be 127.0.0.1 (metrics, loopback-only policies).
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.silent = true; // errors are logged by errorMiddleware, once
  const ops = [probeRoutes({ ready: () => library.isReady && !closing, storeUp: () => redis?.up ?? true }), metricsRoute(metrics, { public: config.metrics.public })];
  const authRoutes = [sessionRoutes(auth), shareRoutes(auth, config.publicUrl), uploadRoutes({ config, library, thumbs, auth, uploads, log })];
  const commands = new CommandService(config.commands, { library, dataDir: config.data, log });
  const play = playRoute(library, video.playback, video.store);
  const listing = new MediaListing(library);
  const routers = [...ops, mediaRoutes(library, listing), ...authRoutes, commandRoutes(commands), play, ...thumbnailRoutes(library, thumbs, config), statusRoute(library, status)];
  app.use(httpMiddleware(metrics, log, routePatterns(routers)));
  app.use(securityHeaders());
  app.use(errorMiddleware(log));
  app.use(apiCompression());
  app.use(accessMiddleware(auth)); // before every router: one place decides who may call what
  app.use(routerChain(routers)); // each router's routes() and allowedMethods(), in order
  app.use(staticRoutes({ firstScreen: (ctx) => firstScreenMarkup(ctx, { listing, auth }) })); // the PWA from public/, for whatever no router answered

  let server: http.Server | null = null;
  let drain: HttpDrain | null = null;
  let started: Promise<void> | null = null;
  const spis: Spis = {
    config,
    app,
    bus,
    library,
    log,
    metrics,
    status,
    thumbs,
    live,
    video,
    auth,
    redis,
    get server() {
      return server;
    },
    start() {
      if (!started) live.start();
      started ??= library.start();
      return started;
    },
    async listen() {
      const created = createHttpServer(config.tls, app.callback());
      server = created.server;
      drain = trackHttp(server);
      const bind = decideBind(config.host, auth.usersExist, config.allowAnonymousRemote);
      if (bind.notice === 'loopback-only') {
        log.warn({ host: bind.host }, `no users yet: listening on loopback only; add one with \`spis user add NAME --role admin\` and restart`);
      } else if (bind.notice === 'anonymous-remote') {
        log.warn({ host: bind.host }, 'no users and allowAnonymousRemote: anyone who reaches this address sees the whole library');
      }
      server.on('upgrade', live.hub.handleUpgrade);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, bind.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const host = bind.host.includes(':') ? `[${bind.host}]` : bind.host;
      void spis.start().catch((error: Error) => log.fatal({ err: error }, 'indexing failed'));
      return { port, url: `${created.secure ? 'https' : 'http'}://${host}:${port}` };
    },
    // Order matters: stop taking requests and let in-flight ones finish (bounded), then
    // finish renders, flush the webhook outbox and close WebSockets (1001) before the index
    // is saved; the HTTP server only reports closed once upgraded sockets are gone.
    async close() {
      closing = true;
      if (drain) {
        const { dropped } = await drain.drain(5000);
        if (dropped > 0) log.warn({ dropped }, 'shutdown: dropped requests still running after 5 s');
      }
      // ffmpeg is killed (a transcode can take minutes; its partial file is removed), renders
      // in flight finish (no new background work starts), then WebSockets get 1001.
      await video.close();
      await thumbs.close();
      await live.hub.close();
      // Then the library: a start-up walk still running stops at its next file instead of
      // finishing a whole first index inside the shutdown window.
      await library.close();
      if (started) await settleWithin(started, 2000);
      // After the library: events from indexing that finished during shutdown reach the outbox.
      await live.webhooks.close();
      // Upgraded sockets keep the server open; whoever owns them closes them above.
      if (drain) await settleWithin(drain.closed, 2000);
      await live.uploadFanout?.close();
      await channel?.close();
      await redis?.close();
    },
  };
  return spis;
}

/** Waits for `task` to settle, but no longer than `ms` (shutdown must stay bounded). */
async function settleWithin(task: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([task.then(() => undefined, () => undefined), timeout]);
  clearTimeout(timer);
}

/** The transform route comes last: its `/media/:id/:output` would shadow later ones. */
function thumbnailRoutes(library: Library, thumbs: Thumbnails, config: Config) {
  const policy = { avif: config.thumbnails.avif, webp: config.thumbnails.webp };
  return [thumbRoutes(library, thumbs, policy), originalRoute(library), transformRoutes(library, thumbs, { limits: config.transforms })];
}

/** Connects to Redis / Valkey when the state is shared; fails start-up with a clear message. */
async function openStateStore(config: Config, log: Logger): Promise<RedisConnection | null> {
  const setting = parseStoreSetting(config.state.store);
  if (!setting || setting.kind === 'files') return null;
  return RedisConnection.open(setting.url, { log });
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

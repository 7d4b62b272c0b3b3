import { z } from 'zod';
import { parseStoreSetting } from '../state/store-setting.js';
import { commandsSchema } from '../commands/command-config.js';

/**
 * The one description of spis' configuration: shape, defaults and limits.
 * Every source (file, environment, flags) is merged first and validated here once,
 * so a broken setup is reported in full before anything starts.
 */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();

const webhook = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(16, 'must be at least 16 characters'),
  events: z
    .array(
      z.enum(['media.added', 'media.updated', 'media.removed', 'index.completed', '*']),
    )
    .min(1)
    .default(['*']),
});

export const configSchema = z.strictObject({
  media: z.string().min(1).default('./media'),
  data: z.string().min(1).default('./data'),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8080),
  /** IANA zone used for photos whose metadata has no UTC offset; empty means the system's. */
  timezone: z
    .string()
    .default('')
    .refine((zone) => zone === '' || isTimeZone(zone), 'must be an IANA time zone such as Europe/Oslo'),
  /** Bind beyond loopback although no user exists (prints a warning). */
  allowAnonymousRemote: z.boolean().default(false),
  trustProxy: z.boolean().default(false),
  publicUrl: z.string().default(''),
  watch: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Milliseconds a new file must stay unchanged before it is read. */
      settleMs: z.number().int().min(0).max(60_000).default(300),
      usePolling: z.boolean().default(false),
    })
    .prefault({}),
  thumbnails: z
    .strictObject({
      avif: z.boolean().default(false),
      webp: z.boolean().default(true),
      quality: z.number().int().min(1).max(100).default(80),
      concurrency: positiveInt.max(64).default(2),
      /** null: sized from the machine's memory (see thumbs/memory-budget.ts). */
      memoryCacheBytes: z.number().int().min(0).nullable().default(null),
      pregenerate: z.boolean().default(true),
      /** Background renders in a separate process of lowest CPU priority (false: in the server, behind requests). */
      backgroundProcess: z.boolean().default(true),
      /** One render (decode + resize + encode) is abandoned after this long. */
      timeoutSeconds: positiveInt.max(600).default(30),
    })
    .prefault({}),
  transforms: z
    .strictObject({
      maxWidth: positiveInt.max(16384).default(4096),
      maxHeight: positiveInt.max(16384).default(4096),
      maxInputPixels: positiveInt.default(268_402_689),
      signed: z.boolean().default(false),
      cacheBytes: z.number().int().min(0).default(256 * 1024 * 1024),
      /** `POST /api/media/:id/outputs`: outputs per request, and their pixels added up. */
      maxBatchOutputs: positiveInt.max(100).default(12),
      maxBatchPixels: positiveInt.default(40_000_000),
    })
    .prefault({}),
  video: z
    .strictObject({
      ffmpeg: z.string().default(''),
      ffprobe: z.string().default(''),
      /** Which videos get a playable H.264/AAC rendition: those browsers cannot play, none, or all. */
      transcode: z.enum(['incompatible', 'off', 'all']).default('incompatible'),
      /** Renditions are scaled down to at most this many lines (720 suits a Raspberry Pi). */
      maxHeight: positiveInt.min(144).max(4320).default(1080),
      crf: z.number().int().min(0).max(51).default(23),
      preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow']).default('veryfast'),
      /** A hardware H.264 encoder (h264_v4l2m2m, h264_vaapi, …); falls back to libx264 if it fails. */
      hwaccel: z.string().regex(/^(|[a-z0-9_]+)$/, 'must be an ffmpeg encoder name such as h264_vaapi').default(''),
      concurrency: positiveInt.max(8).default(1),
      /** Disk kept for renditions; the least recently played are deleted beyond it. */
      cacheBytes: z.number().int().min(0).default(20 * 1024 * 1024 * 1024),
      /** One transcode is abandoned after this long, or after this long without progress. */
      timeoutSeconds: positiveInt.max(86_400).default(3 * 3600),
      stallSeconds: positiveInt.max(3600).default(120),
    })
    .prefault({}),
  webhooks: z.array(webhook).default([]),
  /** Custom commands offered in the web app (see server/commands). */
  commands: commandsSchema,
  /** How webhook deliveries are sent and retried (exponential backoff with jitter, bounded). */
  webhookRetry: z
    .strictObject({
      initialDelayMs: positiveInt.max(3_600_000).default(5_000),
      maxDelayMs: positiveInt.max(86_400_000).default(15 * 60_000),
      /** A delivery not accepted within this time after its event becomes a dead letter. */
      maxAgeMs: positiveInt.default(24 * 3_600_000),
      timeoutMs: positiveInt.max(300_000).default(10_000),
      concurrency: positiveInt.max(16).default(2),
      /** On shutdown, keep sending due deliveries this long; the rest stay in the outbox. */
      flushMs: z.number().int().min(0).max(8_000).default(3_000),
    })
    .prefault({}),
  /** The `/api/events` WebSocket: heartbeat and the per-client send buffer bound. */
  liveEvents: z
    .strictObject({
      heartbeatMs: positiveInt.min(100).max(600_000).default(30_000),
      maxBufferedBytes: positiveInt.min(16 * 1024).default(1024 * 1024),
      /** How long a dropped slow client may take to read its backlog and close frame. */
      closeGraceMs: positiveInt.max(120_000).default(10_000),
    })
    .prefault({}),
  auth: z
    .strictObject({
      sessionTtlHours: positiveInt.default(24 * 30),
      signingSecrets: z.array(z.string().min(32, 'must be at least 32 characters')).default([]),
      /** Sustained API requests per second per user, token or share link (bursts of twice that); 0 turns it off. */
      apiRequestsPerSecond: z.number().int().min(0).default(1000),
    })
    .prefault({}),
  /** Uploads into the media folder: off unless enabled; `folder` is the only place spis writes there. */
  uploads: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Relative to the media folder; uploads land in `<folder>/<user or share>/<YYYY>/<MM>/`. */
      folder: z
        .string()
        .min(1)
        .default('Uploads')
        .refine((folder) => !folder.split(/[\\/]/).some((part) => part === '..' || part.startsWith('.')) && !/^[\\/]/.test(folder), 'must be a folder inside the media folder (no "..", no hidden or absolute path)'),
      maxBytes: positiveInt.default(4 * 1024 * 1024 * 1024),
      /** Refuse uploads (507) while the disk holding the uploads has less than this free. */
      minFreeBytes: z.number().int().min(0).default(1024 * 1024 * 1024),
      /** An upload that sends nothing for this long is cut off (slow or stalled clients). */
      idleTimeoutSeconds: positiveInt.max(3600).default(30),
      /** `{"url"}` uploads: bounded fetches; `allowHosts` may reach loopback / private addresses. */
      fetch: z
        .strictObject({
          enabled: z.boolean().default(true),
          allowHosts: z.array(z.string().min(1)).default([]),
          maxRedirects: z.number().int().min(0).max(20).default(5),
          timeoutSeconds: positiveInt.max(3600).default(60),
        })
        .prefault({}),
    })
    .prefault({}),
  tls: z
    .strictObject({
      cert: z.string().default(''),
      key: z.string().default(''),
    })
    .prefault({}),
  /** Where mutable state lives: `files` (the data folder) or a `redis://` / `rediss://` URL shared by replicas. */
  state: z
    .strictObject({
      store: z
        .string()
        .default('files')
        .refine((value) => parseStoreSetting(value) !== null, 'must be "files" or a redis:// or rediss:// URL (Redis 6.2 or later, or Valkey)'),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      public: z.boolean().default(false),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      format: z.enum(['auto', 'json', 'pretty']).default('auto'),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type WebhookConfig = z.infer<typeof webhook>;

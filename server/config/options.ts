/**
 * Settings that can be given as a command-line flag or an `SPIS_*` environment variable.
 * One table drives flag parsing, environment reading and `spis --help`, so they never drift.
 * Anything else (webhooks, signing secrets) lives in the JSON config file.
 */
export type OptionKind = 'string' | 'int' | 'boolean' | 'list';

export interface OptionSpec {
  /** Dotted path into the config object. */
  path: string;
  flag: string;
  env: string;
  kind: OptionKind;
  help: string;
}

const option = (path: string, flag: string, kind: OptionKind, help: string): OptionSpec => ({
  path,
  flag,
  env: 'SPIS_' + path.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase(),
  kind,
  help,
});

export const options: readonly OptionSpec[] = [
  option('media', 'media', 'string', 'folder of photos and videos (never written to)'),
  option('data', 'data', 'string', 'folder for the index, thumbnails, marks and secrets'),
  option('host', 'host', 'string', 'address to listen on'),
  option('port', 'port', 'int', 'port to listen on (0 picks a free one)'),
  option('timezone', 'timezone', 'string', "IANA zone for photos without a UTC offset (default: the system's)"),
  option('allowAnonymousRemote', 'allow-anonymous-remote', 'boolean', 'listen beyond loopback with no users'),
  option('trustProxy', 'trust-proxy', 'boolean', 'trust X-Forwarded-* headers from a reverse proxy'),
  option('publicUrl', 'public-url', 'string', 'external URL, used in share links and templates'),
  option('watch.enabled', 'watch', 'boolean', 'watch the media folder for changes'),
  option('watch.usePolling', 'watch-polling', 'boolean', 'poll instead of inotify (network shares)'),
  option('thumbnails.avif', 'avif', 'boolean', 'serve AVIF thumbnails to browsers that accept them'),
  option('thumbnails.webp', 'webp', 'boolean', 'serve WebP thumbnails to browsers that accept them'),
  option('thumbnails.quality', 'thumb-quality', 'int', 'thumbnail quality 1-100'),
  option('thumbnails.concurrency', 'thumb-concurrency', 'int', 'parallel image renders'),
  option('thumbnails.memoryCacheBytes', 'thumb-cache-bytes', 'int', 'bytes of thumbnails kept in memory'),
  option('thumbnails.pregenerate', 'pregenerate', 'boolean', 'render small thumbnails in the background'),
  option('transforms.signed', 'signed-transforms', 'boolean', 'require signed URLs for /image transforms'),
  option('video.ffmpeg', 'ffmpeg', 'string', 'ffmpeg binary (default: PATH, then the bundled one)'),
  option('video.ffprobe', 'ffprobe', 'string', 'ffprobe binary (default: PATH, then the bundled one)'),
  option('uploads.enabled', 'uploads', 'boolean', 'accept uploads into uploads.folder (the only place spis writes in the media folder)'),
  option('uploads.folder', 'uploads-folder', 'string', 'folder inside the media folder that receives uploads (default Uploads)'),
  option('uploads.maxBytes', 'uploads-max-bytes', 'int', 'largest accepted upload in bytes'),
  option('uploads.minFreeBytes', 'uploads-min-free-bytes', 'int', 'refuse uploads (507) below this much free disk'),
  option('video.transcode', 'transcode', 'string', 'which videos get a playable MP4: incompatible (default), off or all'),
  option('video.maxHeight', 'video-max-height', 'int', 'height limit of playable renditions (default 1080)'),
  option('video.hwaccel', 'video-encoder', 'string', 'hardware H.264 encoder, e.g. h264_v4l2m2m or h264_vaapi'),
  option('tls.cert', 'tls-cert', 'string', 'TLS certificate (PEM) to serve HTTPS'),
  option('tls.key', 'tls-key', 'string', 'TLS private key (PEM)'),
  option('state.store', 'state-store', 'string', 'where marks, users, sessions and the webhook outbox live: files (default) or a redis:// URL shared by replicas'),
  option('metrics.public', 'public-metrics', 'boolean', 'serve /metrics to any client, not only loopback and admins'),
  option('log.level', 'log-level', 'string', 'fatal, error, warn, info, debug, trace or silent'),
  option('log.format', 'log-format', 'string', 'auto (pretty on a terminal), json or pretty'),
];

import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Context, Middleware } from 'koa';
import { ENCODING_OPTIONS } from './shared-bodies.js';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.map', '.json', '.webmanifest', '.svg', '.txt']);
/** esbuild names bundles `name-HASH.ext` (8 base32 characters): safe to cache for a year. */
const HASHED = /-[A-Z0-9]{8}\.[a-z0-9]+$/;
/** Routes the server owns; a missing one must answer its own 404, never the app shell. */
const SERVER_PREFIXES = ['/api/', '/probe/', '/metrics'];

export interface StaticOptions {
  /** The built PWA; defaults to the repository's public/ (from source or from dist/). */
  root?: string;
  /** Markup to add to the shell's `<head>` for this request (see first-screen.ts), or null. */
  firstScreen?: (ctx: Context) => string | null;
}

interface Encoded {
  mtimeMs: number;
  raw: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/**
 * Serves the built PWA from public/: hashed bundles immutable, the shell and service worker
 * revalidated on every load, text compressed once and kept in memory (the shell is small),
 * and index.html for the app's own routes. Runs after the routers, only for what they left.
 */
export function staticRoutes(options: StaticOptions = {}): Middleware {
  const root = path.resolve(options.root ?? defaultRoot());
  const encoded = new Map<string, Encoded>();
  return async (ctx, next) => {
    await next();
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.body != null || ctx.status !== 404) return;
    // Case-blind: `/METRICS` or `/Api/x` is a wrong spelling of a server route, not an app page.
    const lower = ctx.path.toLowerCase();
    if (lower === '/api' || SERVER_PREFIXES.some((prefix) => lower.startsWith(prefix))) return;
    const relative = safeRelative(ctx.path);
    if (relative === null) return;
    // A file has one name: `/index.html/` or `//app/x.js` is not it (strict, like the routers).
    if (relative !== '' && (ctx.path.endsWith('/') || ctx.path.includes('//'))) return;
    const file = relative === '' ? null : await fileAt(root, relative);
    if (file) return send(ctx, file, relative, encoded);
    // The app's client-side routes ("/", "/?year=2023") get the shell; missing assets stay 404.
    if (path.posix.extname(relative) !== '') return;
    const shell = await fileAt(root, 'index.html');
    const extra = shell && options.firstScreen?.(ctx);
    if (shell && extra) return sendShellWith(ctx, shell, extra, encoded);
    if (shell) return send(ctx, shell, 'index.html', encoded);
    ctx.status = 503;
    ctx.type = 'text/plain';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = 'The web app is not built yet: run `npm run build:web` (or `npm run build`), then reload.\n';
  };
}

function defaultRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // server/api → ../../public; dist/server/api → ../../../public
  const candidates = [path.resolve(here, '../../public'), path.resolve(here, '../../../public')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!;
}

/** The decoded path without leading slash, or null for traversal, hidden files or junk. */
export function safeRelative(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').filter((part) => part !== '');
  if (parts.some((part) => part === '..' || part.startsWith('.'))) return null;
  return parts.join('/');
}

async function fileAt(root: string, relative: string): Promise<{ abs: string; size: number; mtimeMs: number; mtime: Date } | null> {
  const abs = path.join(root, relative);
  if (!abs.startsWith(root + path.sep)) return null;
  const info = await stat(abs).catch(() => null);
  return info?.isFile() ? { abs, size: info.size, mtimeMs: info.mtimeMs, mtime: info.mtime } : null;
}

function cacheControl(relative: string): string {
  if (relative.startsWith('app/') && HASHED.test(relative)) return 'public, max-age=31536000, immutable';
  if (relative.startsWith('icons/')) return 'public, max-age=86400';
  // index.html, sw.js, manifest: always revalidated so a new build reaches phones at once.
  return 'no-cache';
}

async function send(ctx: Context, file: { abs: string; size: number; mtimeMs: number; mtime: Date }, relative: string, encoded: Map<string, Encoded>): Promise<void> {
  const ext = path.extname(relative).toLowerCase();
  ctx.status = 200;
  ctx.type = TYPES[ext] ?? 'application/octet-stream';
  ctx.set('Cache-Control', cacheControl(relative));
  ctx.set('ETag', `W/"${file.size.toString(36)}-${Math.floor(file.mtimeMs).toString(36)}"`);
  ctx.lastModified = file.mtime;
  if (COMPRESSIBLE.has(ext)) ctx.vary('Accept-Encoding');
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  if (!COMPRESSIBLE.has(ext) || file.size > 4 * 1024 * 1024) {
    ctx.length = file.size;
    ctx.body = await readFile(file.abs); // Koa sends no body for HEAD
    return;
  }
  const entry = await encodedFile(file, encoded);
  const encoding = ctx.acceptsEncodings('br', 'gzip', 'identity');
  const body = encoding === 'br' ? entry.br : encoding === 'gzip' ? entry.gzip : entry.raw;
  if (encoding === 'br' || encoding === 'gzip') ctx.set('Content-Encoding', encoding);
  ctx.length = body.length;
  ctx.body = body;
}

/** A compressible file's bytes and their encoded forms, read and compressed once per version. */
async function encodedFile(file: { abs: string; mtimeMs: number }, encoded: Map<string, Encoded>): Promise<Encoded> {
  let entry = encoded.get(file.abs);
  if (!entry || entry.mtimeMs !== file.mtimeMs) {
    const raw = await readFile(file.abs);
    entry = { mtimeMs: file.mtimeMs, raw, gzip: await gzip(raw, { level: 9 }), br: await brotli(raw) };
    encoded.set(file.abs, entry);
  }
  return entry;
}

/**
 * The shell with this request's first screen added: made for one caller (it carries their
 * session), so never stored by any cache, and compressed here, per request, cheaply.
 */
async function sendShellWith(ctx: Context, file: { abs: string; mtimeMs: number }, extra: string, encoded: Map<string, Encoded>): Promise<void> {
  const template = (await encodedFile(file, encoded)).raw.toString('utf8');
  const html = Buffer.from(template.replace('</head>', `  ${extra}\n  </head>`));
  ctx.status = 200;
  ctx.type = TYPES['.html']!;
  ctx.set('Cache-Control', 'no-store');
  ctx.vary('Accept-Encoding');
  const encoding = ctx.acceptsEncodings('br', 'gzip', 'identity');
  const body = encoding === 'br' ? await brotli(html, ENCODING_OPTIONS.br) : encoding === 'gzip' ? await gzip(html, ENCODING_OPTIONS.gzip) : html;
  if (encoding === 'br' || encoding === 'gzip') ctx.set('Content-Encoding', encoding);
  ctx.length = body.length;
  ctx.body = body;
}

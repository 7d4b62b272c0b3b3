import type Router from '@koa/router';
import busboy from 'busboy';
import { createRouter } from './router.js';
import type { Context } from 'koa';
import type { AuthService } from '../auth/auth-service.js';
import { readJsonBody } from '../auth/json-body.js';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config/schema.js';
import type { ApiError, UploadFileOutcome, UploadResult } from '../shared/api-types.js';
import type { Library } from '../media/library.js';
import type { Thumbnails } from '../thumbs/setup.js';
import { parseOutputs, renderOutputs } from '../uploads/upload-outputs.js';
import { batchLimitsOf } from '../thumbs/batch-outputs.js';
import { sanitiseSegment } from '../uploads/upload-names.js';
import type { UploadRequest, UploadService, Placed } from '../uploads/upload-service.js';
import { fetchForUpload } from '../uploads/url-fetch.js';
import { createTusUploads } from '../uploads/tus-uploads.js';
import type { Logger } from '../ops/logger.js';
import { AppError, errorCatalogue, invalidParameter } from './errors.js';

const MULTIPART_MAX_FILES = 50;

export interface UploadRouteDeps {
  config: Config;
  library: Library;
  thumbs: Thumbnails;
  auth: AuthService;
  uploads: UploadService;
  log: Logger;
}

/**
 * `POST /api/uploads`: a raw body, `multipart/form-data` with several files, or JSON
 * `{"url": …}`. Who may call it is decided by the access middleware (members, admins, signed
 * upload URLs, drop links); here the caller decides only where the file lands.
 */
export function uploadRoutes(deps: UploadRouteDeps): Router {
  const router = createRouter({ prefix: '/api' });
  const { config, library, uploads } = deps;
  const reserved = new Map<string, number>();

  router.post('/uploads', async (ctx) => {
    if (!uploads.enabled)
      throw new AppError('not_found', 'uploads are off on this server (uploads.enabled)');
    const batchLimits = batchLimitsOf(config.transforms);
    const outputs = parseOutputs(ctx.query.outputs, batchLimits);
    const base = uploaderOf(ctx, deps.auth, reserved);
    const finish = async (placed: Placed): Promise<UploadResult> => {
      const result: UploadResult = {
        item: library.present(placed.record),
        duplicate: placed.duplicate,
      };
      if (outputs.length > 0)
        result.outputs = await renderOutputs(placed.record, outputs, deps.thumbs.transforms, batchLimits);
      return result;
    };
    ctx.set('Cache-Control', 'no-store');
    try {
      if (ctx.is('multipart/form-data')) {
        const files = await receiveMultipart(ctx, uploads, base, finish);
        const failed = files.find(
          (file): file is { name: string; error: ApiError['error'] } => 'error' in file,
        );
        ctx.status = failed
          ? statusOf(failed.error.code)
          : files.some((file) => 'item' in file && !file.duplicate)
            ? 201
            : 200;
        ctx.body = failed ? { error: failed.error, files } : { files };
        return;
      }
      if (ctx.is('application/json')) {
        const body = await readJsonBody(ctx);
        if (typeof body.url !== 'string')
          throw invalidParameter('url', 'an http(s) URL to fetch', String(body.url));
        if (!config.uploads.fetch.enabled)
          throw new AppError('forbidden', 'uploads from a URL are off (uploads.fetch.enabled)');
        const fetched = await fetchForUpload(body.url, {
          allowHosts: config.uploads.fetch.allowHosts,
          maxRedirects: config.uploads.fetch.maxRedirects,
          timeoutMs: config.uploads.fetch.timeoutSeconds * 1000,
        });
        try {
          const name = typeof body.name === 'string' ? body.name : fetched.nameHint;
          const placed = await uploads.receive(fetched.body, {
            ...base,
            nameHint: name,
            declaredType: fetched.contentType,
            contentLength: fetched.contentLength,
          });
          ctx.status = placed.duplicate ? 200 : 201;
          ctx.body = await finish(placed);
        } finally {
          fetched.body.destroy();
          fetched.done();
        }
        return;
      }
      const length = ctx.get('content-length') ? Number(ctx.get('content-length')) : null;
      const name =
        typeof ctx.query.name === 'string'
          ? ctx.query.name
          : dispositionName(ctx.get('content-disposition'));
      const placed = await uploads.receive(ctx.req, {
        ...base,
        nameHint: name,
        declaredType: ctx.get('content-type') || null,
        contentLength: length,
      });
      // 201 for a new item; 200 when the bytes were already there and nothing was written.
      ctx.status = placed.duplicate ? 200 : 201;
      ctx.body = await finish(placed);
    } catch (error) {
      // The rest of a refused body is not worth reading: answer, then close the connection.
      if (!ctx.req.complete) ctx.set('Connection', 'close');
      throw error;
    }
  });

  const tus = createTusUploads(
    uploads,
    config.uploads.maxBytes,
    (placed) => ({ item: library.present(placed.record), duplicate: placed.duplicate }),
    deps.log,
  );
  if (uploads.enabled) void tus.cleanUp();
  const resumable = async (ctx: Context) => {
    if (!uploads.enabled)
      throw new AppError('not_found', 'uploads are off on this server (uploads.enabled)');
    const base = uploaderOf(ctx, deps.auth, reserved);
    // A drop link's quota and a signed URL's expiry are checked per request; a resumable
    // upload outlives both, so those callers use POST /api/uploads.
    if (base.limit || (ctx.state as { uploadGrant?: unknown }).uploadGrant) {
      throw new AppError(
        'forbidden',
        'resumable uploads need a signed-in member or an API token; use POST /api/uploads',
      );
    }
    ctx.respond = false;
    await tus.handle(ctx.req, ctx.res, { owner: base.owner, uploadedBy: base.uploadedBy });
  };
  // The methods of the tus protocol (creation, offset, chunks, discovery, termination).
  const tusMethods = ['HEAD', 'PATCH', 'POST', 'OPTIONS', 'DELETE'];
  router.register('/uploads/tus', tusMethods, resumable);
  router.register('/uploads/tus/:id', tusMethods, resumable);

  return router;
}

type Base = Omit<UploadRequest, 'nameHint' | 'declaredType' | 'contentLength'>;

/** Where the caller's uploads go and how they are credited. */
function uploaderOf(ctx: Context, auth: AuthService, reserved: Map<string, number>): Base {
  const grant = (ctx.state as { uploadGrant?: { folder: string } }).uploadGrant;
  if (grant) {
    const folder = sanitiseSegment(grant.folder, 100) || 'signed';
    return { owner: folder, uploadedBy: `signed:${folder}` };
  }
  const principal = (ctx.state as { principal?: Principal }).principal;
  switch (principal?.kind) {
    case 'user':
    case 'token':
      return { owner: principal.name, uploadedBy: `${principal.kind}:${principal.name}` };
    case 'share': {
      const upload = principal.share.upload;
      if (!upload) throw new AppError('forbidden', 'this share link does not accept uploads');
      const digest = principal.digest;
      const left = upload.quotaBytes - upload.usedBytes - (reserved.get(digest) ?? 0);
      if (left <= 0) throw new AppError('payload_too_large', "this link's upload quota is used up");
      let held = 0;
      return {
        owner: upload.folder,
        uploadedBy: `share:${upload.folder}`,
        limit: { maxBytes: left, name: "this link's upload quota" },
        beforePlace(size) {
          // Reserved until counted, so two guests uploading at once cannot both pass the quota.
          const pending = reserved.get(digest) ?? 0;
          if (upload.usedBytes + pending + size > upload.quotaBytes)
            throw new AppError(
              'payload_too_large',
              "the upload is larger than what is left of this link's upload quota",
            );
          held = size;
          reserved.set(digest, pending + size);
        },
        async afterPlace(record, size) {
          try {
            await auth.shares.recordUpload(digest, record.id, size);
          } finally {
            const pending = (reserved.get(digest) ?? 0) - held;
            if (pending > 0) reserved.set(digest, pending);
            else reserved.delete(digest);
          }
        },
      };
    }
    case 'open':
    case 'anonymous':
    case undefined:
      // Only an open server (no users yet) lets an unnamed caller this far.
      return { owner: 'local', uploadedBy: 'local' };
  }
}

/** Each file part streams straight to disk as it arrives; one outcome per part, in order. */
function receiveMultipart(
  ctx: Context,
  uploads: UploadService,
  base: Base,
  finish: (placed: Placed) => Promise<UploadResult>,
): Promise<UploadFileOutcome[]> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: ctx.req.headers,
        limits: { files: MULTIPART_MAX_FILES, fields: 20, fieldSize: 64 * 1024, parts: 100 },
      });
    } catch {
      reject(new AppError('invalid_body', 'malformed multipart/form-data (no boundary)'));
      return;
    }
    const pending: Array<Promise<UploadFileOutcome>> = [];
    parser.on('file', (_field, stream, info) => {
      const name = info.filename ?? '';
      pending.push(
        uploads
          .receive(stream, {
            ...base,
            nameHint: name,
            declaredType: info.mimeType,
            contentLength: null,
          })
          .then(async (placed) => ({ name, ...(await finish(placed)) }))
          .catch((error: unknown) => {
            stream.resume(); // skip the rest of this part; the next ones still arrive
            const known =
              error instanceof AppError ? error : new AppError('internal', 'internal server error');
            if (!(error instanceof AppError)) ctx.app.emit('error', error);
            return {
              name,
              error: {
                code: known.code,
                message: known.expose ? known.message : 'internal server error',
              },
            };
          }),
      );
    });
    parser.on('filesLimit', () =>
      reject(new AppError('payload_too_large', `at most ${MULTIPART_MAX_FILES} files per request`)),
    );
    parser.once('error', () =>
      reject(
        new AppError(
          'invalid_body',
          'malformed multipart/form-data, or the client stopped sending',
        ),
      ),
    );
    parser.once('close', () => {
      if (pending.length === 0) reject(new AppError('invalid_body', 'the form holds no file'));
      else void Promise.all(pending).then(resolve, reject);
    });
    ctx.req.once('aborted', () => parser.destroy(new Error('aborted')));
    ctx.req.pipe(parser);
  });
}

const statusOf = (code: string): number =>
  (errorCatalogue as Record<string, { status: number } | undefined>)[code]?.status ?? 500;

/** `attachment; filename*=UTF-8''IMG%201.jpg` or `filename="IMG 1.jpg"`. */
export function dispositionName(header: string): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      return null;
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(header);
  return plain ? (plain[1]?.replace(/\\(.)/g, '$1') ?? plain[2] ?? null) : null;
}

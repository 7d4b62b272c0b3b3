import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FileStore } from '@tus/file-store';
import { Server, type Upload } from '@tus/server';
import { AppError } from '../api/errors.js';
import type { Logger } from '../ops/logger.js';
import type { UploadResult } from '../shared/api-types.js';
import { TUS_FOLDER } from './incoming-file.js';
import type { Placed, UploadService } from './upload-service.js';

export const TUS_PATH = '/api/uploads/tus';
const EXPIRY_MS = 24 * 3_600_000;

export interface TusUploader {
  owner: string;
  uploadedBy: string;
}

/**
 * Resumable uploads (the tus protocol, `@tus/server`): chunks land in a hidden folder beside
 * the uploads and survive restarts for a day; once complete, the file goes through the same
 * checks and placement as any upload and the final PATCH answers with the item. An upload
 * belongs to whoever created it: nobody else may continue, read or delete it.
 */
export function createTusUploads(
  uploads: UploadService,
  maxBytes: number,
  present: (placed: Placed) => UploadResult,
  log: Logger,
) {
  const directory = path.join(uploads.incoming, TUS_FOLDER);
  const store = new FileStore({ directory, expirationPeriodInMilliseconds: EXPIRY_MS });
  // The authenticated caller of each request, handed over by the route; the web Request that
  // @tus/server passes to its hooks wraps the node request (srvx keeps it under runtime.node).
  const callers = new WeakMap<IncomingMessage, TusUploader>();
  const uploaderOf = (req: Request): TusUploader => {
    const node = (req as Request & { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node
      ?.req;
    const who = node ? callers.get(node) : undefined;
    if (!who) throw { status_code: 500, body: errorBody('internal', 'internal server error') };
    return who;
  };
  const server = new Server({
    path: TUS_PATH,
    datastore: store,
    maxSize: maxBytes,
    relativeLocation: true,
    async onUploadCreate(req) {
      const who = uploaderOf(req);
      return { metadata: { ...withoutOwnKeys(req), spisOwner: who.owner, spisBy: who.uploadedBy } };
    },
    async onIncomingRequest(req, id) {
      if (req.method === 'POST' || req.method === 'OPTIONS' || !id) return;
      const upload = await store.getUpload(id).catch(() => null);
      if (upload && upload.metadata?.spisBy !== uploaderOf(req).uploadedBy)
        throw {
          status_code: 403,
          body: errorBody('forbidden', 'this upload belongs to someone else'),
        };
    },
    async onUploadFinish(_req, upload: Upload) {
      const file = path.join(directory, upload.id);
      try {
        const placed = await uploads.placeFile(file, {
          nameHint: upload.metadata?.filename ?? upload.metadata?.name ?? null,
          declaredType: upload.metadata?.filetype ?? upload.metadata?.type ?? null,
          contentLength: null,
          owner: upload.metadata?.spisOwner ?? 'local',
          uploadedBy: upload.metadata?.spisBy ?? 'local',
        });
        return {
          status_code: 200,
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(present(placed)),
        };
      } catch (error) {
        const known = error instanceof AppError ? error : null;
        if (!known) log.error({ err: error }, 'resumable upload could not be placed');
        throw {
          status_code: known?.status ?? 500,
          body: errorBody(
            known?.code ?? 'internal',
            known?.expose ? known.message : 'internal server error',
          ),
        };
      } finally {
        await store.remove(upload.id).catch(() => undefined);
      }
    },
  });
  return {
    handle: (req: IncomingMessage, res: ServerResponse, uploader: TusUploader) => {
      callers.set(req, uploader);
      return server.handle(req, res);
    },
    /** Removes resumable uploads nobody continued within a day. */
    cleanUp: () => server.cleanUpExpiredUploads().catch(() => 0),
  };
}

function withoutOwnKeys(req: Request): Record<string, string | null> {
  const raw = req.headers.get('upload-metadata') ?? '';
  const out: Record<string, string | null> = {};
  for (const pair of raw.split(',')) {
    const [key, value] = pair.trim().split(' ');
    if (!key || key.startsWith('spis')) continue;
    out[key] = value ? Buffer.from(value, 'base64').toString('utf8') : null;
  }
  return out;
}

const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } });

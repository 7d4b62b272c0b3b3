import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../api/errors.js';

/** The hidden folder (inside the uploads folder, so on its file system) where bodies stream to. */
export const INCOMING_FOLDER = '.incoming';
/** Inside INCOMING_FOLDER: resumable uploads, kept across restarts until they expire. */
export const TUS_FOLDER = 'tus';

export interface IncomingFile {
  /** Absolute path of the hidden temporary file; the caller renames or removes it. */
  temp: string;
  size: number;
  /** SHA-256 of the whole body, computed while it streamed. */
  sha256: string;
}

export interface IncomingLimits {
  maxBytes: number;
  /** What the 413 message names as the limit (`uploads.maxBytes`, a share's quota). */
  limitName: string;
  idleMs: number;
}

/**
 * Streams a body to a hidden temporary file beside the uploads, hashing it on the way and
 * stopping (413) as soon as it passes the limit, so nothing is ever held whole in memory.
 * The file is fsynced before this resolves; on any failure (limit, stall, client gone) it
 * is removed and nothing remains.
 */
export async function receiveToTemp(
  source: Readable,
  incomingDir: string,
  limits: IncomingLimits,
): Promise<IncomingFile> {
  await mkdir(incomingDir, { recursive: true });
  const temp = path.join(incomingDir, `.${randomBytes(12).toString('hex')}.part`);
  const hash = createHash('sha256');
  let size = 0;
  let idle: NodeJS.Timeout | undefined;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limits.maxBytes) {
        done(
          new AppError(
            'payload_too_large',
            `the upload is larger than ${limits.limitName} (${limits.maxBytes} bytes)`,
          ),
        );
        return;
      }
      hash.update(chunk);
      armIdle();
      done(null, chunk);
    },
  });
  // A client that keeps the connection open but sends nothing (slowloris) is cut off.
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      meter.destroy(
        new AppError(
          'request_timeout',
          `no data for ${Math.round(limits.idleMs / 1000)} s: upload abandoned`,
        ),
      );
    }, limits.idleMs);
  };
  armIdle();
  // The source is piped, not part of the pipeline: on a refusal it is left paused instead of
  // destroyed, so the caller can still answer (413, 408) before closing the connection.
  let ended = false;
  const onEnd = () => (ended = true);
  const onError = (error: Error) => meter.destroy(asUploadError(error));
  const onClose = () => {
    if (!ended)
      meter.destroy(
        new AppError('invalid_body', 'the client stopped sending before the upload was complete'),
      );
  };
  source.once('end', onEnd);
  source.once('error', onError);
  source.once('close', onClose);
  const written = pipeline(meter, createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
  source.pipe(meter);
  try {
    await written;
    await syncFile(temp);
  } catch (error) {
    source.unpipe(meter);
    await rm(temp, { force: true });
    throw asUploadError(error);
  } finally {
    clearTimeout(idle);
    source.off('end', onEnd);
    source.off('error', onError);
    source.off('close', onClose);
  }
  return { temp, size, sha256: hash.digest('hex') };
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function asUploadError(error: unknown): Error {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new AppError('insufficient_storage', 'the disk is full');
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') {
    return new AppError(
      'invalid_body',
      'the client stopped sending before the upload was complete',
    );
  }
  return error as Error;
}

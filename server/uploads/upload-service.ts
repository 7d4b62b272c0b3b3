import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, readdir, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../api/errors.js';
import type { Config } from '../config/schema.js';
import type { Library } from '../media/library.js';
import type { MediaRecord } from '../media/record.js';
import { buildRecord } from '../media/record-factory.js';
import type { Logger } from '../ops/logger.js';
import { INCOMING_FOLDER, receiveToTemp, TUS_FOLDER } from './incoming-file.js';
import { declaredTypeMatches, uploadFileName, uploadFolder, withSuffix } from './upload-names.js';

export interface UploadRequest {
  /** The name the client gave (query, Content-Disposition, multipart filename, URL path). */
  nameHint: string | null;
  /** The Content-Type the client declared for the file, if any. */
  declaredType: string | null;
  /** Declared body length, when known: refused at once if it cannot fit. */
  contentLength: number | null;
  /** The folder under `uploads.folder` (a user, a token, a share link's or a signed URL's folder). */
  owner: string;
  /** Who, for `media.added` (`user:NAME`, `share:FOLDER`…). */
  uploadedBy: string;
  /** A lower limit than `uploads.maxBytes` (what is left of a share link's quota). */
  limit?: { maxBytes: number; name: string };
  /** Called once the bytes are known to be new, before they are placed; may throw (quota). */
  beforePlace?: (size: number) => Promise<void> | void;
  /** Called once the item is placed and indexed. */
  afterPlace?: (record: MediaRecord, size: number) => Promise<void> | void;
}

export interface Placed {
  record: MediaRecord;
  duplicate: boolean;
}

/**
 * Receives uploads into `uploads.folder`: the only code that writes inside the media folder.
 * A body streams to a hidden temporary file (the watcher and the walk skip hidden names), is
 * checked by content, fsynced and hard-linked into place (a link never replaces an existing
 * name, so nothing is overwritten even by a concurrent upload), then indexed at once, so the
 * answer carries the indexed item and exactly one `media.added` goes out.
 */
export class UploadService {
  readonly root: string;
  readonly incoming: string;
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Full-content hashes of library files already compared, by id and version. */
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly config: Config,
    private readonly library: Library,
    private readonly log: Logger,
  ) {
    this.root = path.join(config.media, config.uploads.folder);
    this.incoming = path.join(this.root, INCOMING_FOLDER);
  }

  get enabled(): boolean {
    return this.config.uploads.enabled;
  }

  /**
   * Creates the uploads folder and removes the bodies an interrupted earlier run left
   * half-written (resumable uploads in `tus/` stay until they expire: they are meant to resume).
   */
  async open(): Promise<void> {
    if (!this.enabled) return;
    await mkdir(this.incoming, { recursive: true });
    for (const entry of await readdir(this.incoming)) {
      if (entry !== TUS_FOLDER)
        await rm(path.join(this.incoming, entry), { recursive: true, force: true });
    }
  }

  /** Places a complete file already on this file system (a finished resumable upload); the caller removes it. */
  async placeFile(file: string, request: UploadRequest): Promise<Placed> {
    const { size } = await stat(file);
    if (size > this.config.uploads.maxBytes)
      throw new AppError(
        'payload_too_large',
        `the upload is larger than uploads.maxBytes (${this.config.uploads.maxBytes} bytes)`,
      );
    return this.place(file, size, await hashFile(file), request);
  }

  async receive(source: Readable, request: UploadRequest): Promise<Placed> {
    const maxBytes = Math.min(this.config.uploads.maxBytes, request.limit?.maxBytes ?? Infinity);
    const limitName =
      request.limit && request.limit.maxBytes < this.config.uploads.maxBytes
        ? request.limit.name
        : 'uploads.maxBytes';
    if (request.contentLength !== null && request.contentLength > maxBytes) {
      throw new AppError(
        'payload_too_large',
        `the upload is larger than ${limitName} (${maxBytes} bytes)`,
      );
    }
    await this.checkFreeSpace(request.contentLength ?? 0);
    const incoming = await receiveToTemp(source, this.incoming, {
      maxBytes,
      limitName,
      idleMs: this.config.uploads.idleTimeoutSeconds * 1000,
    });
    try {
      return await this.place(incoming.temp, incoming.size, incoming.sha256, request);
    } finally {
      await rm(incoming.temp, { force: true });
    }
  }

  private async place(
    temp: string,
    size: number,
    sha256: string,
    request: UploadRequest,
  ): Promise<Placed> {
    const probed = await this.library.prober.probe(temp, size);
    if (!probed.ok)
      throw new AppError(
        'unsupported_media_type',
        `not a supported photo or video: ${probed.reason.replace(/^unsupported content \((.*)\)$/, '$1')}`,
      );
    const { facts } = probed;
    if (!declaredTypeMatches(request.declaredType, facts.mime)) {
      throw new AppError(
        'unsupported_media_type',
        `the content is ${facts.mime}, not the declared ${request.declaredType}`,
      );
    }
    const named = uploadFileName(request.nameHint, facts.mime, `upload-${sha256.slice(0, 12)}`);
    if (!named.ok) throw new AppError('unsupported_media_type', named.reason);
    // One upload per content at a time: the second of two identical uploads finds the first.
    return this.exclusive(sha256, async () => {
      const existing = await this.findSameBytes(facts.fingerprint, size, sha256);
      if (existing) return { record: existing, duplicate: true };
      await request.beforePlace?.(size);
      // The capture date read from the upload, under its own name (a date in the name counts).
      const dated = buildRecord(
        named.name,
        { size, mtimeMs: Date.now() },
        facts,
        this.config.timezone,
      );
      const folder = uploadFolder(this.config.uploads.folder, request.owner, dated.yearMonth);
      await mkdir(path.join(this.config.media, folder), { recursive: true });
      const rel = await this.linkUnique(temp, folder, named.name, request.uploadedBy);
      const record = await this.library.ingest(rel);
      if (!record)
        throw new AppError('unprocessable_media', 'the upload was stored but could not be indexed');
      this.log.info({ path: rel, size, uploadedBy: request.uploadedBy }, 'upload stored');
      await request.afterPlace?.(record, size);
      return { record, duplicate: false };
    });
  }

  /** Links the temporary file under the first free name: `a.jpg`, `a-1.jpg`, `a-2.jpg`… */
  private async linkUnique(
    temp: string,
    folder: string,
    name: string,
    uploadedBy: string,
  ): Promise<string> {
    for (let n = 0; n < 10_000; n++) {
      const rel = `${folder}/${withSuffix(name, n)}`;
      const cancel = this.library.expectUpload(rel, uploadedBy);
      try {
        await link(temp, path.join(this.config.media, rel));
        await syncFolder(path.join(this.config.media, folder));
        return rel;
      } catch (error) {
        cancel();
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    throw new AppError('unprocessable_media', 'no free file name left for this upload');
  }

  /** A library item with exactly these bytes: quick fingerprint first, the full hash to be sure. */
  private async findSameBytes(
    fingerprint: string,
    size: number,
    sha256: string,
  ): Promise<MediaRecord | undefined> {
    for (const record of this.library.index.all()) {
      if (record.fingerprint !== fingerprint || record.size !== size) continue;
      const key = `${record.id}:${record.version}`;
      let hash = this.hashes.get(key);
      if (hash === undefined) {
        const abs = await this.library.resolveFile(record);
        if (!abs) continue;
        hash = await hashFile(abs).catch(() => '');
        if (this.hashes.size > 1000) this.hashes.clear();
        this.hashes.set(key, hash);
      }
      if (hash === sha256) return record;
    }
    return undefined;
  }

  /** 507 before a byte is written when the disk would drop below `uploads.minFreeBytes`. */
  private async checkFreeSpace(expected: number): Promise<void> {
    const info = await statfs(this.root);
    const free = info.bavail * info.bsize;
    if (free - expected < this.config.uploads.minFreeBytes) {
      throw new AppError(
        'insufficient_storage',
        'the server is nearly out of disk space; uploads are paused',
      );
    }
  }

  private async exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tracked = next.catch(() => undefined);
    this.locks.set(key, tracked);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === tracked) this.locks.delete(key);
    }
  }
}

async function hashFile(abs: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(abs), hash);
  return hash.digest('hex');
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

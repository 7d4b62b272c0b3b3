import type { MediaFilter } from '../media/media-index.js';
import { asRecord, JsonStore, type SharedDocuments } from './json-store.js';
import { digestToken, newSecretToken } from './secret-token.js';

export interface StoredShare {
  /** Exactly these item ids, or… */
  items: string[] | null;
  /** …whatever matches this filter at the time of each request. */
  filter: MediaFilter | null;
  /** Milliseconds since the epoch; null: until revoked. */
  expiresAt: number | null;
  passwordHash: string | null;
  createdBy: string;
  createdAt: number;
  /** Times the link was opened (exchanged for a session). */
  views?: number;
  /** A drop link: guests may upload into `folder`, up to `quotaBytes` in all. */
  upload?: ShareUpload | null;
}

export interface ShareUpload {
  folder: string;
  quotaBytes: number;
  usedBytes: number;
  /** Items uploaded through the link: its guests see these besides what was shared. */
  items: string[];
}

interface SharesFile {
  version: 1;
  shares: Record<string, StoredShare>;
}

function parseShares(json: unknown): SharesFile {
  const file = asRecord(json, 'shares.json');
  const shares: Record<string, StoredShare> = {};
  for (const [digest, value] of Object.entries(asRecord(file.shares ?? {}, 'shares.json shares'))) {
    const s = asRecord(value, 'shares.json share');
    shares[digest] = {
      items: Array.isArray(s.items) ? s.items.map(String) : null,
      filter: s.filter && typeof s.filter === 'object' ? (s.filter as MediaFilter) : null,
      expiresAt: typeof s.expiresAt === 'number' ? s.expiresAt : null,
      passwordHash: typeof s.passwordHash === 'string' ? s.passwordHash : null,
      createdBy: String(s.createdBy ?? ''),
      createdAt: Number(s.createdAt ?? 0),
      views: Number(s.views ?? 0) || 0,
      upload: parseUpload(s.upload),
    };
  }
  return { version: 1, shares };
}

function parseUpload(value: unknown): ShareUpload | null {
  if (!value || typeof value !== 'object') return null;
  const u = value as Record<string, unknown>;
  return {
    folder: String(u.folder ?? ''),
    quotaBytes: Number(u.quotaBytes ?? 0),
    usedBytes: Number(u.usedBytes ?? 0),
    items: Array.isArray(u.items) ? u.items.map(String) : [],
  };
}

/** Share links in `<data>/auth/shares.json`, keyed by the token's digest. */
export class ShareStore {
  private readonly store: JsonStore<SharesFile>;

  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
    shared?: SharedDocuments,
  ) {
    this.store = new JsonStore(dataDir, 'shares.json', parseShares, () => ({ version: 1, shares: {} }), Infinity, now, shared);
  }

  load(): Promise<unknown> {
    return this.store.refresh(true);
  }

  /** Re-reads when changed (throttled, or at once with `force`); only useful with a shared store. */
  refresh(force = false): Promise<unknown> {
    return this.store.refresh(force);
  }

  async create(share: Omit<StoredShare, 'createdAt'>): Promise<string> {
    const token = newSecretToken();
    await this.store.update((file) => {
      for (const [digest, s] of Object.entries(file.shares)) if (s.expiresAt !== null && s.expiresAt <= this.now()) delete file.shares[digest];
      file.shares[digestToken(token)] = { ...share, createdAt: this.now() };
    });
    return token;
  }

  /** A live (not expired, not revoked) share by digest. */
  byDigest(digest: string): StoredShare | undefined {
    const shares = this.store.current.shares;
    const share = Object.hasOwn(shares, digest) ? shares[digest] : undefined;
    return share && (share.expiresAt === null || share.expiresAt > this.now()) ? share : undefined;
  }

  byToken(token: string): { digest: string; share: StoredShare } | undefined {
    const digest = digestToken(token);
    const share = this.byDigest(digest);
    return share ? { digest, share } : undefined;
  }

  /** Every live share with its digest, newest first. */
  list(): Array<{ digest: string; share: StoredShare }> {
    return Object.entries(this.store.current.shares)
      .filter(([, share]) => share.expiresAt === null || share.expiresAt > this.now())
      .map(([digest, share]) => ({ digest, share }))
      .sort((a, b) => b.share.createdAt - a.share.createdAt);
  }

  /** Counts one opening of the link. */
  countView(digest: string): Promise<void> {
    return this.store.update((file) => {
      const share = Object.hasOwn(file.shares, digest) ? file.shares[digest] : undefined;
      if (share) share.views = (share.views ?? 0) + 1;
    });
  }

  /** Counts an upload through a drop link; false (nothing counted) when it would pass the quota. */
  recordUpload(digest: string, id: string, bytes: number): Promise<boolean> {
    return this.store.update((file) => {
      const upload = Object.hasOwn(file.shares, digest) ? file.shares[digest]!.upload : null;
      if (!upload || upload.usedBytes + bytes > upload.quotaBytes) return false;
      upload.usedBytes += bytes;
      if (!upload.items.includes(id)) upload.items.push(id);
      return true;
    });
  }

  revoke(digest: string): Promise<boolean> {
    return this.store.update((file) => {
      if (!Object.hasOwn(file.shares, digest)) return false;
      delete file.shares[digest];
      return true;
    });
  }
}

import { asRecord, JsonStore, type SharedDocuments } from './json-store.js';
import { digestToken, newSecretToken } from './secret-token.js';

export type StoredSession =
  | { kind: 'user'; user: string; epoch: number; createdAt: number; expiresAt: number }
  | { kind: 'share'; share: string; createdAt: number; expiresAt: number };

interface SessionsFile {
  version: 1;
  sessions: Record<string, StoredSession>;
}

function parseSessions(json: unknown): SessionsFile {
  const file = asRecord(json, 'sessions.json');
  const sessions: Record<string, StoredSession> = {};
  for (const [digest, value] of Object.entries(asRecord(file.sessions ?? {}, 'sessions.json sessions'))) {
    const s = asRecord(value, 'sessions.json session');
    const times = { createdAt: Number(s.createdAt), expiresAt: Number(s.expiresAt) };
    if (s.kind === 'user' && typeof s.user === 'string') sessions[digest] = { kind: 'user', user: s.user, epoch: Number(s.epoch), ...times };
    else if (s.kind === 'share' && typeof s.share === 'string') sessions[digest] = { kind: 'share', share: s.share, ...times };
  }
  return { version: 1, sessions };
}

type NewSession = { kind: 'user'; user: string; epoch: number } | { kind: 'share'; share: string };

/**
 * Login and share sessions in `<data>/auth/sessions.json`, keyed by the SHA-256 of the
 * cookie value, so a copy of the data folder does not hand out live sessions.
 */
export class SessionStore {
  private readonly store: JsonStore<SessionsFile>;

  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
    shared?: SharedDocuments,
  ) {
    // Only the server writes this file, so it is read once at start and never re-checked
    // (replicas sharing a store re-check, see JsonStore).
    this.store = new JsonStore(dataDir, 'sessions.json', parseSessions, () => ({ version: 1, sessions: {} }), Infinity, now, shared);
  }

  load(): Promise<unknown> {
    return this.store.refresh(true);
  }

  /** Re-reads when changed (throttled, or at once with `force`); only useful with a shared store. */
  refresh(force = false): Promise<unknown> {
    return this.store.refresh(force);
  }

  get(token: string): StoredSession | undefined {
    const digest = digestToken(token);
    const sessions = this.store.current.sessions;
    const session = Object.hasOwn(sessions, digest) ? sessions[digest] : undefined;
    return session && session.expiresAt > this.now() ? session : undefined;
  }

  /** Starts a session (and ends `replacing`, so a login always rotates the cookie). */
  async create(session: NewSession, ttlMs: number, replacing?: string): Promise<string> {
    const token = newSecretToken();
    const createdAt = this.now();
    await this.store.update((file) => {
      this.purge(file);
      if (replacing) delete file.sessions[digestToken(replacing)];
      file.sessions[digestToken(token)] = { ...session, createdAt, expiresAt: createdAt + ttlMs };
    });
    return token;
  }

  async end(token: string): Promise<void> {
    const digest = digestToken(token);
    if (!Object.hasOwn(this.store.current.sessions, digest)) return;
    await this.store.update((file) => void delete file.sessions[digest]);
  }

  /** Ends every session matching `which` (all of a user's, all of a share's). */
  endWhere(which: (session: StoredSession) => boolean): Promise<number> {
    return this.store.update((file) => {
      let ended = 0;
      for (const [digest, session] of Object.entries(file.sessions)) {
        if (which(session)) {
          delete file.sessions[digest];
          ended++;
        }
      }
      return ended;
    });
  }

  private purge(file: SessionsFile): void {
    const now = this.now();
    for (const [digest, session] of Object.entries(file.sessions)) if (session.expiresAt <= now) delete file.sessions[digest];
  }
}

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/schema.js';
import { compileFilter, type MarksLookup } from '../media/media-index.js';
import type { MediaRecord } from '../media/record.js';
import { bearerToken, readCookie, SESSION_COOKIE, SHARE_COOKIE, type Principal } from './principal.js';
import { roleAtLeast } from './roles.js';
import { SessionStore } from './session-store.js';
import { ShareStore, type StoredShare } from './share-store.js';
import { loadSigningSecrets } from './signing-secrets.js';
import { TokenBuckets, type BucketOptions, type RateBuckets } from './token-bucket.js';
import type { SharedDocuments } from './json-store.js';
import { TokenStore } from './token-store.js';
import { UserStore } from './user-store.js';

export interface RateLimits {
  loginPerAddress: Omit<BucketOptions, 'now'>;
  loginPerUser: Omit<BucketOptions, 'now'>;
  apiPerPrincipal: Omit<BucketOptions, 'now'>;
}

/** Defaults: ten wrong passwords, then one try per 6 s per address; the API ceiling comes from the config. */
export const defaultRateLimits: RateLimits = {
  loginPerAddress: { capacity: 10, refillPerSecond: 1 / 6 },
  loginPerUser: { capacity: 20, refillPerSecond: 1 / 30 },
  apiPerPrincipal: { capacity: 2000, refillPerSecond: 1000 },
};

export interface AuthOptions {
  config: Pick<Config, 'data' | 'auth' | 'transforms' | 'metrics' | 'allowAnonymousRemote' | 'publicUrl'> & { uploads?: Pick<Config['uploads'], 'enabled'> };
  index: { getById(id: string): MediaRecord | undefined; ownerOf(id: string): string | undefined };
  marksOf: MarksLookup;
  now?: () => number;
  limits?: Partial<RateLimits>;
  /** State shared by replicas (server/state); without it, the data folder and this process. */
  shared?: SharedAuthState;
}

/** Where replicas keep what access control writes, when they share a store. */
export interface SharedAuthState {
  documents: SharedDocuments;
  signingSecret(generate: () => string): Promise<string>;
  /** Buckets counted across replicas (`name` keeps kinds apart), falling back to `local`. */
  buckets(name: string, options: BucketOptions & { now: () => number }, local: TokenBuckets): RateBuckets;
}

/** Everything access control needs, built once per server by the composition root. */
export class AuthService {
  readonly users: UserStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly shares: ShareStore;
  readonly loginByAddress: RateBuckets;
  readonly loginByUser: RateBuckets;
  readonly api: RateBuckets;
  readonly now: () => number;
  /** False when `auth.apiRequestsPerSecond` is 0. */
  readonly apiLimited: boolean;
  signingSecrets: string[] = [];

  constructor(readonly options: AuthOptions) {
    const dataDir = options.config.data;
    this.now = options.now ?? Date.now;
    const perSecond = options.config.auth.apiRequestsPerSecond;
    this.apiLimited = perSecond > 0 || options.limits?.apiPerPrincipal !== undefined;
    const api = perSecond > 0 ? { capacity: perSecond * 2, refillPerSecond: perSecond } : defaultRateLimits.apiPerPrincipal;
    const limits = { ...defaultRateLimits, apiPerPrincipal: api, ...options.limits };
    const shared = options.shared;
    this.users = new UserStore(dataDir, this.now, shared?.documents);
    this.tokens = new TokenStore(dataDir, this.now, shared?.documents);
    this.sessions = new SessionStore(dataDir, this.now, shared?.documents);
    this.shares = new ShareStore(dataDir, this.now, shared?.documents);
    const buckets = (name: string, bucket: Omit<BucketOptions, 'now'>) => {
      const local = new TokenBuckets({ ...bucket, now: this.now });
      return shared ? shared.buckets(name, { ...bucket, now: this.now }, local) : local;
    };
    this.loginByAddress = buckets('login-address', limits.loginPerAddress);
    this.loginByUser = buckets('login-user', limits.loginPerUser);
    this.api = buckets('api', limits.apiPerPrincipal);
  }

  async open(): Promise<void> {
    await Promise.all([this.users.refresh(true), this.tokens.refresh(true), this.sessions.load(), this.shares.load()]);
    this.signingSecrets = await loadSigningSecrets(this.options.config.auth.signingSecrets, this.options.config.data, this.options.shared);
  }

  /**
   * Picks up users and tokens added by the CLI while the server runs (throttled stat). With a
   * shared store, also sessions and shares (throttled), and at once when the request carries a
   * token or cookie this replica does not know yet: made through another replica a moment ago.
   */
  async refresh(authorization?: string, cookie?: (name: string) => string | undefined): Promise<void> {
    if (!this.options.shared) {
      await Promise.all([this.users.refresh(), this.tokens.refresh()]);
      return;
    }
    const bearer = bearerToken(authorization);
    const unknownToken = bearer ? this.tokens.find(bearer) === undefined : false;
    const session = cookie?.(SESSION_COOKIE);
    const shareSession = cookie?.(SHARE_COOKIE);
    const unknownSession = [session, shareSession].some((token) => token !== undefined && this.sessions.get(token) === undefined);
    await Promise.all([this.users.refresh(), this.tokens.refresh(unknownToken), this.sessions.refresh(unknownSession), this.shares.refresh()]);
  }

  /**
   * Whether `refresh()` has anything to check now; between checks a request need not wait for
   * it. Always with a shared store: a credential made on another replica is looked up at once.
   */
  get refreshDue(): boolean {
    return this.options.shared !== undefined || this.users.due || this.tokens.due;
  }

  get usersExist(): boolean {
    return this.users.count > 0;
  }

  get sessionTtlMs(): number {
    return this.options.config.auth.sessionTtlHours * 3_600_000;
  }

  /** Bearer token first, then the login cookie, then the share cookie. null: a bad bearer token. */
  resolve(authorization: string | undefined, cookie: (name: string) => string | undefined): Principal | null {
    const bearer = bearerToken(authorization);
    if (bearer !== null) {
      const token = bearer ? this.tokens.find(bearer) : undefined;
      return token ? { kind: 'token', name: token.name, role: token.role } : null;
    }
    const sessionToken = cookie(SESSION_COOKIE);
    const session = sessionToken ? this.sessions.get(sessionToken) : undefined;
    if (sessionToken && session?.kind === 'user') {
      const user = this.users.get(session.user);
      // A removed user or a changed password ends the session at once.
      if (user && user.epoch === session.epoch) return { kind: 'user', name: session.user, role: user.role, session: sessionToken };
    }
    const shareToken = cookie(SHARE_COOKIE);
    const shareSession = shareToken ? this.sessions.get(shareToken) : undefined;
    if (shareToken && shareSession?.kind === 'share') {
      const share = this.shares.byDigest(shareSession.share);
      if (share) return { kind: 'share', digest: shareSession.share, share, session: shareToken };
    }
    return this.usersExist ? { kind: 'anonymous' } : { kind: 'open' };
  }

  /** The records a share may see. */
  scopeOf(share: StoredShare): (record: MediaRecord) => boolean {
    const shared = this.sharedScope(share);
    const uploaded = share.upload?.items.length ? new Set(share.upload.items) : null;
    return uploaded ? (record) => uploaded.has(record.id) || shared(record) : shared;
  }

  private sharedScope(share: StoredShare): (record: MediaRecord) => boolean {
    if (share.items) {
      const ids = new Set(share.items);
      return (record) => ids.has(record.id);
    }
    if (share.filter) return compileFilter(share.filter, this.options.marksOf);
    return () => false;
  }

  canSeeItem(share: StoredShare, id: string | null): boolean {
    // A record kept out of listings (a Live Photo's clip) is visible exactly when its item is.
    const ownerId = id ? this.options.index.ownerOf(id) : undefined;
    const record = id ? this.options.index.getById(ownerId ?? id) : undefined;
    return record !== undefined && this.scopeOf(share)(record);
  }

  /**
   * For the WebSocket hub at upgrade: the caller, or null to refuse with 401. A cookie-based
   * socket must come from a page of this server (Origin matches Host), since browsers send
   * cookies with cross-site WebSocket handshakes; share links get no event stream.
   */
  authenticateUpgrade(req: IncomingMessage): Principal | null {
    const header = req.headers.cookie;
    const principal = this.resolve(req.headers.authorization, (name) => readCookie(header, name));
    if (!principal || principal.kind === 'anonymous' || principal.kind === 'share') return null;
    if (principal.kind === 'open' && !this.hostAllowed(req.headers.host)) return null;
    if (principal.kind === 'user' && !sameOrigin(req, this.options.config.publicUrl)) return null;
    return principal;
  }

  /**
   * With no users the server is open on loopback; a web page on another site could still
   * reach it by DNS rebinding (its own name resolving to 127.0.0.1). Such requests carry that
   * foreign name in Host, so an open server only answers to loopback names and publicUrl.
   */
  hostAllowed(host: string | undefined): boolean {
    if (this.options.config.allowAnonymousRemote) return true;
    if (!host) return false;
    const name = host.replace(/:\d+$/, '').toLowerCase();
    if (name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name)) return true;
    const publicUrl = this.options.config.publicUrl;
    return publicUrl !== '' && URL.canParse(publicUrl) && new URL(publicUrl).host.toLowerCase() === host.toLowerCase();
  }

  /** Whether this caller may upload (the web app offers its upload button only then). */
  mayUpload(principal: Principal): boolean {
    if (!this.options.config.uploads?.enabled) return false;
    if (principal.kind === 'open') return true;
    if (principal.kind === 'user' || principal.kind === 'token') return roleAtLeast(principal.role, 'member');
    return principal.kind === 'share' && Boolean(principal.share.upload);
  }

  /** The CSRF token of a cookie session: derived, so nothing more is stored. */
  csrfToken(sessionToken: string): string {
    return createHash('sha256').update(`spis-csrf:${sessionToken}`).digest('base64url');
  }
}

/**
 * A browser's socket must come from our own pages: the origin names the host the request
 * was sent to, or publicUrl (a proxy may rewrite Host, e.g. drop a non-default port).
 */
function sameOrigin(req: IncomingMessage, publicUrl: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser
  try {
    const url = new URL(origin);
    if (publicUrl !== '' && URL.canParse(publicUrl) && new URL(publicUrl).origin === url.origin) return true;
    return url.host === req.headers.host;
  } catch {
    return false;
  }
}

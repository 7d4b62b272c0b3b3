import { asRecord, JsonStore, type SharedDocuments } from './json-store.js';
import { dummyHash, hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from './password-hash.js';
import { isRole, type Role } from './roles.js';

export interface StoredUser {
  role: Role;
  hash: string;
  createdAt: string;
  /** Bumped when the password changes: sessions made under an older epoch stop working. */
  epoch: number;
}

interface UsersFile {
  version: 1;
  users: Record<string, StoredUser>;
}

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 8;

export function normalizeUsername(name: string): string {
  return name.trim().toLowerCase();
}

export function checkNewPassword(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

function parseUsers(json: unknown): UsersFile {
  const file = asRecord(json, 'users.json');
  const users: Record<string, StoredUser> = {};
  for (const [name, value] of Object.entries(asRecord(file.users ?? {}, 'users.json users'))) {
    const user = asRecord(value, `users.json ${name}`);
    if (!isRole(user.role) || typeof user.hash !== 'string') throw new Error(`users.json: user ${name} is malformed`);
    users[name] = { role: user.role, hash: user.hash, createdAt: String(user.createdAt ?? ''), epoch: Number(user.epoch ?? 0) };
  }
  return { version: 1, users };
}

/** Users with scrypt hashes in `<data>/auth/users.json`. */
export class UserStore {
  private readonly store: JsonStore<UsersFile>;

  constructor(dataDir: string, now: () => number = Date.now, shared?: SharedDocuments) {
    this.store = new JsonStore(dataDir, 'users.json', parseUsers, () => ({ version: 1, users: {} }), 1000, now, shared);
  }

  private counted = { generation: -1, count: 0 };

  get due(): boolean {
    return this.store.due;
  }

  refresh(force = false): Promise<unknown> {
    return this.store.refresh(force);
  }

  /** Asked several times per request (is access restricted?): counted once per change. */
  get count(): number {
    if (this.counted.generation !== this.store.generation) {
      this.counted = { generation: this.store.generation, count: Object.keys(this.store.current.users).length };
    }
    return this.counted.count;
  }

  get(name: string): StoredUser | undefined {
    return Object.hasOwn(this.store.current.users, name) ? this.store.current.users[name] : undefined;
  }

  list(): Array<{ name: string; role: Role; createdAt: string }> {
    return Object.entries(this.store.current.users)
      .map(([name, user]) => ({ name, role: user.role, createdAt: user.createdAt }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Adds or replaces a user; throws on a bad name or password. */
  async put(rawName: string, role: Role, password: string, { replace = false } = {}): Promise<void> {
    const name = normalizeUsername(rawName);
    if (!USERNAME_PATTERN.test(name)) throw new Error(`bad user name "${rawName}": use letters, digits, . _ @ - (at most 64)`);
    const problem = checkNewPassword(password);
    if (problem) throw new Error(problem);
    const hash = await hashPassword(password);
    await this.store.update((file) => {
      const existing = Object.hasOwn(file.users, name) ? file.users[name] : undefined;
      if (existing && !replace) throw new Error(`user "${name}" already exists`);
      file.users[name] = { role, hash, createdAt: existing?.createdAt ?? new Date().toISOString(), epoch: (existing?.epoch ?? 0) + 1 };
    });
  }

  async setPassword(rawName: string, password: string): Promise<void> {
    const user = (await this.store.refresh(true), this.get(normalizeUsername(rawName)));
    if (!user) throw new Error(`no user "${rawName}"`);
    await this.put(rawName, user.role, password, { replace: true });
  }

  async remove(rawName: string): Promise<boolean> {
    const name = normalizeUsername(rawName);
    return this.store.update((file) => {
      if (!Object.hasOwn(file.users, name)) return false;
      delete file.users[name];
      return true;
    });
  }

  /**
   * Checks credentials. Whatever the input (unknown user, empty, wrong type, too long), the
   * same scrypt work runs, so the answer's timing says nothing about which part was wrong.
   */
  async verify(username: unknown, password: unknown): Promise<{ name: string; user: StoredUser } | null> {
    const name = typeof username === 'string' && username.length <= 64 ? normalizeUsername(username) : '';
    const user = name ? this.get(name) : undefined;
    const usable = typeof password === 'string' && password.length > 0 && password.length <= MAX_PASSWORD_LENGTH;
    const candidate = usable ? password : 'x'.repeat(16);
    const ok = await verifyPassword(candidate, user?.hash ?? (await dummyHash()));
    return ok && usable && user ? { name, user } : null;
  }
}

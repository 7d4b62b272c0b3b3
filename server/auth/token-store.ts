import { asRecord, JsonStore, type SharedDocuments } from './json-store.js';
import { isRole, type Role } from './roles.js';
import { digestToken, newSecretToken } from './secret-token.js';

interface StoredToken {
  role: Role;
  digest: string;
  createdAt: string;
}

interface TokensFile {
  version: 1;
  tokens: Record<string, StoredToken>;
}

export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function parseTokens(json: unknown): TokensFile {
  const file = asRecord(json, 'tokens.json');
  const tokens: Record<string, StoredToken> = {};
  for (const [name, value] of Object.entries(asRecord(file.tokens ?? {}, 'tokens.json tokens'))) {
    const token = asRecord(value, `tokens.json ${name}`);
    if (!isRole(token.role) || typeof token.digest !== 'string') throw new Error(`tokens.json: token ${name} is malformed`);
    tokens[name] = { role: token.role, digest: token.digest, createdAt: String(token.createdAt ?? '') };
  }
  return { version: 1, tokens };
}

/** API tokens for scripts (`Authorization: Bearer`), stored as SHA-256 digests. */
export class TokenStore {
  private readonly store: JsonStore<TokensFile>;
  private byDigest = new Map<string, { name: string; role: Role }>();
  private indexed = -1;

  constructor(dataDir: string, now: () => number = Date.now, shared?: SharedDocuments) {
    this.store = new JsonStore(dataDir, 'tokens.json', parseTokens, () => ({ version: 1, tokens: {} }), 1000, now, shared);
  }

  get due(): boolean {
    return this.store.due;
  }

  refresh(force = false): Promise<unknown> {
    return this.store.refresh(force);
  }

  /** Creates a token and returns it; this is the only time it exists in clear. */
  async create(name: string, role: Role): Promise<string> {
    if (!TOKEN_NAME_PATTERN.test(name)) throw new Error(`bad token name "${name}": use letters, digits, . _ - (at most 64)`);
    const token = newSecretToken('spis_');
    await this.store.update((file) => {
      if (Object.hasOwn(file.tokens, name)) throw new Error(`a token named "${name}" exists; revoke it first`);
      file.tokens[name] = { role, digest: digestToken(token), createdAt: new Date().toISOString() };
    });
    return token;
  }

  revoke(name: string): Promise<boolean> {
    return this.store.update((file) => {
      if (!Object.hasOwn(file.tokens, name)) return false;
      delete file.tokens[name];
      return true;
    });
  }

  list(): Array<{ name: string; role: Role; createdAt: string }> {
    return Object.entries(this.store.current.tokens).map(([name, t]) => ({ name, role: t.role, createdAt: t.createdAt }));
  }

  find(token: string): { name: string; role: Role } | undefined {
    if (this.indexed !== this.store.generation) {
      const tokens = Object.entries(this.store.current.tokens);
      this.byDigest = new Map(tokens.map(([name, t]) => [t.digest, { name, role: t.role }]));
      this.indexed = this.store.generation;
    }
    return this.byDigest.get(digestToken(token));
  }
}

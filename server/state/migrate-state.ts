import { isDeepStrictEqual } from 'node:util';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { MarksStore, type StoredMark } from '../media/marks-store.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { parseStoredMark } from './redis-marks.js';
import { redisKeys } from './redis-keys.js';

/** The auth documents, by their file name in `<data>/auth/` (the same JSON text in Redis). */
export const DOCUMENT_NAMES = [
  'users.json',
  'tokens.json',
  'sessions.json',
  'shares.json',
] as const;

/** Everything durable and mutable that spis keeps, in either store. */
export interface StateSnapshot {
  marks: Record<string, StoredMark>;
  /** Document name → its JSON text; absent when the store has none. */
  documents: Partial<Record<(typeof DOCUMENT_NAMES)[number], string>>;
  signingSecret: string | null;
}

const signingSecretFile = (dataDir: string) => path.join(dataDir, 'auth', 'signing-secret');

export async function readFilesState(dataDir: string): Promise<StateSnapshot> {
  const marks = Object.fromEntries((await MarksStore.open(dataDir)).entries());
  const documents: StateSnapshot['documents'] = {};
  for (const name of DOCUMENT_NAMES) {
    const text = await readFile(path.join(dataDir, 'auth', name), 'utf8').catch(() => null);
    if (text !== null) {
      JSON.parse(text); // a broken document is refused here, not copied
      documents[name] = text;
    }
  }
  const secret =
    (await readFile(signingSecretFile(dataDir), 'utf8').catch(() => null))?.trim() || null;
  return { marks, documents, signingSecret: secret };
}

/** Writes every part as the server itself would (same formats, atomic files). */
export async function writeFilesState(dataDir: string, state: StateSnapshot): Promise<void> {
  await mkdir(path.join(dataDir, 'auth'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(
    path.join(dataDir, 'marks.json'),
    JSON.stringify({ version: 1, marks: state.marks }, null, 1),
  );
  for (const [name, text] of Object.entries(state.documents))
    await writeFileAtomic(path.join(dataDir, 'auth', name), text);
  if (state.signingSecret !== null)
    await writeFileAtomic(signingSecretFile(dataDir), state.signingSecret + '\n');
}

/** Which parts already exist in the data folder (empty: nothing to overwrite). */
export async function filesStateParts(dataDir: string): Promise<string[]> {
  const files = [
    'marks.json',
    ...DOCUMENT_NAMES.map((name) => path.join('auth', name)),
    path.join('auth', 'signing-secret'),
  ];
  const found: string[] = [];
  for (const file of files)
    if (await stat(path.join(dataDir, file)).catch(() => null)) found.push(file);
  return found;
}

export async function readRedisState(client: Redis): Promise<StateSnapshot> {
  const marks: StateSnapshot['marks'] = {};
  for (const [fingerprint, json] of Object.entries(await client.hgetall(redisKeys.marks))) {
    const stored = parseStoredMark(json);
    if (stored) marks[fingerprint] = { ...stored.marks, path: stored.path };
  }
  const documents: StateSnapshot['documents'] = {};
  for (const name of DOCUMENT_NAMES) {
    const text = await client.hget(redisKeys.document(name), 'json');
    if (text !== null) documents[name] = text;
  }
  return { marks, documents, signingSecret: await client.get(redisKeys.signingSecret) };
}

/**
 * Replaces the state in Redis in one transaction. Change numbers of marks are bumped, never
 * reset, so event keys made before stay unique; replicas running meanwhile are told to
 * re-read the documents (marks: on their next reconnection; stop them to migrate).
 */
export async function writeRedisState(client: Redis, state: StateSnapshot): Promise<void> {
  const transaction = client.multi().del(redisKeys.marks, redisKeys.signingSecret);
  for (const [fingerprint, mark] of Object.entries(state.marks)) {
    const json = JSON.stringify({
      favorite: mark.favorite,
      archived: mark.archived,
      path: mark.path,
    });
    transaction
      .hset(redisKeys.marks, fingerprint, json)
      .hincrby(redisKeys.markSeqs, fingerprint, 1);
  }
  for (const name of DOCUMENT_NAMES) {
    const text = state.documents[name];
    if (text === undefined) transaction.hdel(redisKeys.document(name), 'json');
    else transaction.hset(redisKeys.document(name), 'json', text);
    transaction
      .hincrby(redisKeys.document(name), 'version', 1)
      .publish(redisKeys.documentsChannel, name);
  }
  if (state.signingSecret !== null) transaction.set(redisKeys.signingSecret, state.signingSecret);
  const replies = await transaction.exec();
  const failed = replies?.find(([error]) => error);
  if (!replies || failed)
    throw new Error(`writing to Redis failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
}

/** Which parts already exist in Redis. */
export async function redisStateParts(client: Redis): Promise<string[]> {
  const found: string[] = [];
  if ((await client.hlen(redisKeys.marks)) > 0) found.push(redisKeys.marks);
  for (const name of DOCUMENT_NAMES)
    if (await client.hexists(redisKeys.document(name), 'json'))
      found.push(redisKeys.document(name));
  if (await client.exists(redisKeys.signingSecret)) found.push(redisKeys.signingSecret);
  return found;
}

/** What differs between two snapshots (empty: the copy is faithful). */
export function differences(source: StateSnapshot, copy: StateSnapshot): string[] {
  const found: string[] = [];
  if (!isDeepStrictEqual(sortKeys(source.marks), sortKeys(copy.marks))) found.push('marks');
  for (const name of DOCUMENT_NAMES) {
    const a = source.documents[name];
    const b = copy.documents[name];
    if (a === undefined && b === undefined) continue;
    if (a === undefined || b === undefined || !isDeepStrictEqual(JSON.parse(a), JSON.parse(b)))
      found.push(name);
  }
  if (source.signingSecret !== copy.signingSecret) found.push('signing secret');
  return found;
}

/** One line per part: what was copied. */
export function summarize(state: StateSnapshot): string[] {
  const marks = Object.values(state.marks);
  const entries = (name: (typeof DOCUMENT_NAMES)[number], field: string) => {
    const text = state.documents[name];
    if (text === undefined) return 0;
    const value = (JSON.parse(text) as Record<string, unknown>)[field];
    return value && typeof value === 'object' ? Object.keys(value).length : 0;
  };
  return [
    `marks: ${marks.length} (${marks.filter((m) => m.favorite).length} favorites, ${marks.filter((m) => m.archived).length} archived)`,
    `users: ${entries('users.json', 'users')}`,
    `API tokens: ${entries('tokens.json', 'tokens')}`,
    `sessions: ${entries('sessions.json', 'sessions')}`,
    `share links: ${entries('shares.json', 'shares')}`,
    `signing secret: ${state.signingSecret === null ? 'none' : 'copied'}`,
  ];
}

function sortKeys<T>(record: Record<string, T>): Array<[string, T]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

import type { Logger } from '../ops/logger.js';
import {
  NONE,
  type MarkStore,
  type MarkWrite,
  type RemoteMarkChange,
} from '../media/marks-store.js';
import type { Marks } from '../media/media-index.js';
import { LuaScript } from './lua-script.js';
import type { RedisConnection } from './redis-connection.js';
import { redisKeys } from './redis-keys.js';
import type { StateChannel } from './state-channel.js';

interface HeldMark {
  marks: Marks;
  path: string;
}

/** The JSON of one stored mark, byte-for-byte what marks.json holds per entry. */
const MARK_JSON = `local function mark_json(f, a, path_json)
  return '{"favorite":' .. tostring(f) .. ',"archived":' .. tostring(a) .. ',"path":' .. path_json .. '}'
end
local function flag(b) if b then return 1 else return 0 end end
`;

/**
 * Sets one or both marks of a fingerprint, numbers the change and announces it, all in
 * one step. KEYS: marks, seqs. ARGV: fingerprint, favorite (1, 0 or empty: unchanged),
 * archived (idem), path as JSON, path, channel. Returns seq, changed, favorite, archived.
 */
const setScript = new LuaScript(
  MARK_JSON +
    `local current = redis.call('HGET', KEYS[1], ARGV[1])
local f, a = false, false
if current then
  local stored = cjson.decode(current)
  f = stored.favorite == true
  a = stored.archived == true
end
local nf, na = f, a
if ARGV[2] ~= '' then nf = ARGV[2] == '1' end
if ARGV[3] ~= '' then na = ARGV[3] == '1' end
if nf or na then
  redis.call('HSET', KEYS[1], ARGV[1], mark_json(nf, na, ARGV[4]))
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
if nf == f and na == a then
  return {tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0'), 0, flag(nf), flag(na)}
end
local seq = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('PUBLISH', ARGV[6], seq .. ' ' .. flag(nf) .. ' ' .. flag(na) .. ' 1 ' .. ARGV[1] .. ' ' .. ARGV[5])
return {seq, 1, flag(nf), flag(na)}`,
);

/**
 * Moves marks from one fingerprint to another (a file edited in place). KEYS: marks, seqs.
 * ARGV: from, to, path as JSON, path, channel. Returns both change numbers and the marks
 * moved, or 0 when there was nothing to move.
 */
const rekeyScript = new LuaScript(
  MARK_JSON +
    `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local stored = cjson.decode(current)
local f, a = stored.favorite == true, stored.archived == true
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[2], mark_json(f, a, ARGV[3]))
local s1 = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local s2 = redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('PUBLISH', ARGV[5], s1 .. ' 0 0 0 ' .. ARGV[1] .. ' ' .. ARGV[4])
redis.call('PUBLISH', ARGV[5], s2 .. ' ' .. flag(f) .. ' ' .. flag(a) .. ' 0 ' .. ARGV[2] .. ' ' .. ARGV[4])
return {s1, s2, flag(f), flag(a)}`,
);

/**
 * Marks in Redis, shared by replicas. Each replica serves reads from its own copy, loaded at
 * start and kept current by the changes every replica announces (numbered per fingerprint,
 * so a late message never undoes a newer state); after a reconnection the whole copy is
 * reloaded. A write changes the copy only once Redis accepted it; while Redis is away it
 * fails with 503 and nothing changes.
 */
export class RedisMarks implements MarkStore {
  private readonly held = new Map<string, HeldMark>();
  /** Number of the last change applied per fingerprint (also for marks since removed). */
  private readonly seqs = new Map<string, number>();
  private readonly listeners = new Set<(change: RemoteMarkChange) => void>();

  private constructor(
    private readonly connection: RedisConnection,
    private readonly log: Logger,
  ) {}

  static async open(
    connection: RedisConnection,
    channel: StateChannel,
    log: Logger,
  ): Promise<RedisMarks> {
    const store = new RedisMarks(connection, log);
    // Subscribe first: a change made between the load and the subscription would be lost.
    await channel.listen(redisKeys.marksChannel, (message) => store.onMessage(message));
    await store.reload(false);
    channel.onResync(() => store.reload(true));
    return store;
  }

  get(fingerprint: string): Marks {
    return this.held.get(fingerprint)?.marks ?? NONE;
  }

  counts(): { favorites: number; archived: number } {
    let favorites = 0;
    let archived = 0;
    for (const { marks } of this.held.values()) {
      if (marks.favorite) favorites++;
      if (marks.archived) archived++;
    }
    return { favorites, archived };
  }

  async set(fingerprint: string, relPath: string, change: Partial<Marks>): Promise<MarkWrite> {
    const bit = (value: boolean | undefined) => (value === undefined ? '' : value ? '1' : '0');
    const reply = (await this.connection.run('marks.set', (client) =>
      setScript.run(
        client,
        [redisKeys.marks, redisKeys.markSeqs],
        [
          fingerprint,
          bit(change.favorite),
          bit(change.archived),
          JSON.stringify(relPath),
          relPath,
          redisKeys.marksChannel,
        ],
      ),
    )) as [number, number, number, number];
    const [seq, changed, favorite, archived] = reply.map(Number) as [
      number,
      number,
      number,
      number,
    ];
    const marks = { favorite: favorite === 1, archived: archived === 1 };
    // Nothing changed: the copy may still lack a change another replica just made, whose
    // announcement (to be shown to this replica's clients) is on its way; leave it to that.
    // The script's own channel message may be read before this reply: then it was applied and
    // announced from there already, and announcing it again would tell clients twice.
    const announced = changed === 1 && !this.apply(fingerprint, seq, marks, relPath);
    return {
      marks,
      changed: changed === 1,
      ...(changed === 1 ? { eventKey: eventKey(fingerprint, seq) } : {}),
      ...(announced ? { announced } : {}),
    };
  }

  async rekey(from: string, to: string, relPath: string): Promise<void> {
    if (from === to) return;
    const reply = await this.connection.run('marks.rekey', (client) =>
      rekeyScript.run(
        client,
        [redisKeys.marks, redisKeys.markSeqs],
        [from, to, JSON.stringify(relPath), relPath, redisKeys.marksChannel],
      ),
    );
    if (!Array.isArray(reply)) return; // nothing to move (or another replica moved it first)
    const [fromSeq, toSeq, favorite, archived] = reply.map(Number) as [
      number,
      number,
      number,
      number,
    ];
    // At once, as with the files store: the caller announces the changed file next.
    this.apply(from, fromSeq, NONE, relPath);
    this.apply(to, toSeq, { favorite: favorite === 1, archived: archived === 1 }, relPath);
  }

  onRemoteChange(listener: (change: RemoteMarkChange) => void): void {
    this.listeners.add(listener);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  /**
   * Loads the whole set (one atomic read of marks and change numbers) and merges it: a
   * fingerprint takes Redis's state unless a newer change already arrived. With `announce`,
   * differences are told to listeners (changes missed while disconnected).
   */
  private async reload(announce: boolean): Promise<void> {
    const replies = await this.connection.run('marks.load', (client) =>
      client.multi().hgetall(redisKeys.marks).hgetall(redisKeys.markSeqs).exec(),
    );
    const [marksReply, seqsReply] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value as Record<string, string>;
    }) as [Record<string, string>, Record<string, string>];
    const fingerprints = new Set([
      ...Object.keys(marksReply),
      ...Object.keys(seqsReply),
      ...this.held.keys(),
    ]);
    let changed = 0;
    for (const fingerprint of fingerprints) {
      const seq = Number(seqsReply[fingerprint] ?? 0);
      if (seq < (this.seqs.get(fingerprint) ?? 0)) continue;
      const stored = parseStoredMark(marksReply[fingerprint]);
      const before = this.get(fingerprint);
      const path = stored?.path ?? this.held.get(fingerprint)?.path ?? '';
      this.apply(fingerprint, seq, stored?.marks ?? NONE, path, true);
      if (!sameMarks(before, this.get(fingerprint))) {
        changed++;
        if (announce) this.announce({ fingerprint, path, eventKey: eventKey(fingerprint, seq) });
      }
    }
    if (announce) this.log.info({ changed }, 'marks re-loaded from the state store');
  }

  private onMessage(message: string): void {
    const match = /^(\d+) ([01]) ([01]) ([01]) (\S+) (.*)$/s.exec(message);
    if (!match) {
      this.log.warn({ message: message.slice(0, 200) }, 'ignored a malformed marks announcement');
      return;
    }
    const [, seqText, favorite, archived, shouldAnnounce, fingerprint, path] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const seq = Number(seqText);
    if (
      !this.apply(
        fingerprint,
        seq,
        { favorite: favorite === '1', archived: archived === '1' },
        path,
      )
    )
      return;
    if (shouldAnnounce === '1')
      this.announce({ fingerprint, path, eventKey: eventKey(fingerprint, seq) });
  }

  /** Takes a state if it is newer than the one held (or as new, when `orEqual`); says whether it did. */
  private apply(
    fingerprint: string,
    seq: number,
    marks: Marks,
    path: string,
    orEqual = false,
  ): boolean {
    const held = this.seqs.get(fingerprint) ?? 0;
    if (seq < held || (seq === held && !orEqual && this.seqs.has(fingerprint))) return false;
    this.seqs.set(fingerprint, seq);
    if (!marks.favorite && !marks.archived) this.held.delete(fingerprint);
    else if (
      !sameMarks(this.get(fingerprint), marks) ||
      this.held.get(fingerprint)?.path !== path
    ) {
      // A new object per change: cached item JSON is keyed on the marks object's identity.
      this.held.set(fingerprint, { marks: Object.freeze({ ...marks }), path });
    }
    return true;
  }

  private announce(change: RemoteMarkChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** The same string on every replica for one change, so a webhook can be sent once. */
export function eventKey(fingerprint: string, seq: number): string {
  return `marks:${fingerprint}:${seq}`;
}

function sameMarks(a: Marks, b: Marks): boolean {
  return a.favorite === b.favorite && a.archived === b.archived;
}

export function parseStoredMark(json: string | undefined): { marks: Marks; path: string } | null {
  if (json === undefined) return null;
  try {
    const value = JSON.parse(json) as { favorite?: unknown; archived?: unknown; path?: unknown };
    return {
      marks: { favorite: value.favorite === true, archived: value.archived === true },
      path: String(value.path ?? ''),
    };
  } catch {
    return null;
  }
}

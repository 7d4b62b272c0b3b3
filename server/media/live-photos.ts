import type { LivePhoto } from '../shared/api-types.js';
import type { MediaIndex } from './media-index.js';
import type { MediaRecord } from './record.js';

/** Longest clip taken as the motion of a Live Photo (Apple's are 1.5–3 s). */
export const MAX_LIVE_CLIP_MS = 5000;
const clipExtensions = new Set(['mov', 'mp4']);
/** When a folder holds several stills of one name (IMG_1.HEIC and an exported IMG_1.JPG), the camera's own wins. */
const stillPreference = ['heic', 'heif', 'jpg', 'jpeg'];

/** Folder + base name, case-insensitive: `a/IMG_0001.HEIC` and `a/img_0001.mov` share `a/img_0001`. */
export function pairKey(rel: string): string {
  const slash = rel.lastIndexOf('/') + 1;
  const dot = rel.lastIndexOf('.');
  const base = dot > slash ? rel.slice(0, dot) : rel;
  return rel.slice(0, slash) + base.slice(slash).toLowerCase();
}

function extension(rel: string): string {
  return rel.slice(rel.lastIndexOf('.') + 1).toLowerCase();
}

/**
 * Pure: the still and its motion clip among the files that share a pair key, or null.
 * A clip is a MOV/MP4 whose duration is known and at most MAX_LIVE_CLIP_MS, so a real
 * video that happens to share a photo's name stays a video.
 */
export function choosePair(
  records: readonly MediaRecord[],
): { still: MediaRecord; clip: MediaRecord } | null {
  const rank = (r: MediaRecord) => {
    const at = stillPreference.indexOf(extension(r.path));
    return at < 0 ? stillPreference.length : at;
  };
  const stills = records
    .filter((r) => r.type === 'image')
    .sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : 1));
  const clips = records
    .filter(
      (r) =>
        r.type === 'video' &&
        clipExtensions.has(extension(r.path)) &&
        r.durationMs !== null &&
        r.durationMs <= MAX_LIVE_CLIP_MS,
    )
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const still = stills[0];
  const clip = clips[0];
  return still && clip ? { still, clip } : null;
}

/** What changed for one group when it was paired again, for announcing. */
export interface PairChange {
  /** Stills whose livePhoto appeared, changed or went away. */
  stillsChanged: string[];
  /** Clips now hidden that were listed before. */
  clipsHidden: string[];
  /** Clips listed again (their still is gone). */
  clipsShown: string[];
}

/**
 * Live Photos: an image and a short clip of the same base name in one folder are one item.
 * The pairing is derived from the index alone (never stored), so it survives restarts by being
 * recomputed from the snapshot and follows every add and remove of either file.
 */
export class LivePhotos {
  private readonly groups = new Map<string, Set<string>>();
  /** Still id → its motion clip. */
  private readonly byStill = new Map<string, LivePhoto>();
  /** Pair key → the pairing in force for that group. */
  private readonly pairs = new Map<string, { stillId: string; clipId: string }>();

  constructor(private readonly index: MediaIndex) {}

  of(stillId: string): LivePhoto | null {
    return this.byStill.get(stillId) ?? null;
  }

  /** After index.load(): pairs everything from scratch, quietly. */
  rebuild(): void {
    this.groups.clear();
    this.byStill.clear();
    this.pairs.clear();
    for (const record of this.index.all()) this.track(record.path);
    for (const key of this.groups.keys()) this.sync(key);
  }

  /** After a path was upserted or removed: pairs its group again and says what changed. */
  update(rel: string): PairChange {
    const key = pairKey(rel);
    if (this.index.getByPath(rel)) this.track(rel);
    else this.groups.get(key)?.delete(rel);
    return this.sync(key);
  }

  private track(rel: string): void {
    const key = pairKey(rel);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new Set()));
    group.add(rel);
  }

  private sync(key: string): PairChange {
    const change: PairChange = { stillsChanged: [], clipsHidden: [], clipsShown: [] };
    const members = [...(this.groups.get(key) ?? [])].flatMap(
      (rel) => this.index.getByPath(rel) ?? [],
    );
    if (members.length === 0) this.groups.delete(key);
    const pair = members.length >= 2 ? choosePair(members) : null;
    const old = this.pairs.get(key);
    if (old && (!pair || pair.still.id !== old.stillId || pair.clip.id !== old.clipId)) {
      this.pairs.delete(key);
      this.byStill.delete(old.stillId);
      if (this.index.getById(old.stillId)) change.stillsChanged.push(old.stillId);
      this.index.unhide(old.clipId);
      if (this.index.getById(old.clipId)) change.clipsShown.push(old.clipId);
    }
    if (!pair) return change;
    const live: LivePhoto = {
      id: pair.clip.id,
      url: `/api/media/${pair.clip.id}/original?v=${pair.clip.version}`,
      durationMs: pair.clip.durationMs ?? 0,
    };
    const current = this.byStill.get(pair.still.id);
    if (!current || current.url !== live.url || current.durationMs !== live.durationMs) {
      this.byStill.set(pair.still.id, live);
      if (!change.stillsChanged.includes(pair.still.id)) change.stillsChanged.push(pair.still.id);
    }
    this.pairs.set(key, { stillId: pair.still.id, clipId: pair.clip.id });
    if (!this.index.isHidden(pair.clip.id)) {
      this.index.hide(pair.clip.id, pair.still.id);
      const shownAgain = change.clipsShown.indexOf(pair.clip.id);
      if (shownAgain >= 0) change.clipsShown.splice(shownAgain, 1);
      else change.clipsHidden.push(pair.clip.id);
    }
    return change;
  }
}

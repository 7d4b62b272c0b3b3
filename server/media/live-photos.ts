import type { LivePhoto } from '../shared/api-types.js';
import type { MediaIndex } from './media-index.js';
import type { MediaRecord } from './record.js';

/** Longest clip taken as the motion of a Live Photo (Apple's are 1.5–3 s). */
export const MAX_LIVE_CLIP_MS = 5000;
const clipExtensions = ['mov', 'mp4'];
/** When a folder holds several stills of one name (IMG_1.HEIC and an exported IMG_1.JPG), the camera's own wins. */
const stillPreference = ['heic', 'heif', 'jpg', 'jpeg'];
const partnerExtensions = [...stillPreference, ...clipExtensions];

/**
 * Folder + base name: `a/IMG_0001.HEIC` and `a/IMG_0001.mov` share `a/IMG_0001`. The
 * extension's case may differ (cameras and copies disagree on it), the base name's may not:
 * that lets a change find its partner with a few path lookups instead of a map of every file.
 */
export function pairKey(rel: string): string {
  const slash = rel.lastIndexOf('/') + 1;
  const dot = rel.lastIndexOf('.');
  return dot > slash ? rel.slice(0, dot) : rel;
}

/** The endings a member of a group can have, built once: each change of a photo looks them all up. */
const memberSuffixes = partnerExtensions.flatMap((ext) => [`.${ext}`, `.${ext.toUpperCase()}`]);

/** The clip as the still's item shows it: its playback URL, so a clip the browser cannot decode (HEVC) is served as a rendition. */
function livePhotoOf(clip: MediaRecord): LivePhoto {
  return {
    id: clip.id,
    url: `/api/media/${clip.id}/play?v=${clip.version}`,
    durationMs: clip.durationMs ?? 0,
  };
}

function isShortClip(r: MediaRecord): boolean {
  return (
    r.durationMs !== null &&
    r.durationMs <= MAX_LIVE_CLIP_MS &&
    clipExtensions.includes(extension(r.path))
  );
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
    .filter((r) => r.type === 'video' && isShortClip(r))
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
 * Live Photos: a still and a short clip of the same base name in one folder are one item.
 * The pairing is derived from the index alone (never stored), so it survives restarts by being
 * recomputed from the snapshot and follows every add and remove of either file.
 */
export class LivePhotos {
  /** Still id → its motion clip; the index holds the other direction (clip hidden for its still). */
  private readonly byStill = new Map<string, LivePhoto>();

  constructor(private readonly index: MediaIndex) {}

  of(stillId: string): LivePhoto | null {
    return this.byStill.get(stillId) ?? null;
  }

  /** After index.load(): pairs everything from scratch, quietly. */
  rebuild(): void {
    this.byStill.clear();
    // Groups are keyed by their short clips first (few in most libraries, none in many), so
    // stills only cost a lookup; looking up every partner path of every file would cost a
    // dozen string builds per file, most of the start-up time.
    const groups = new Map<string, MediaRecord[]>();
    const all = this.index.all();
    for (const record of all) {
      if (record.type === 'video' && isShortClip(record)) {
        const key = pairKey(record.path);
        const group = groups.get(key);
        if (group) group.push(record);
        else groups.set(key, [record]);
      }
    }
    if (groups.size === 0) return;
    for (const record of all) {
      if (record.type === 'image') groups.get(pairKey(record.path))?.push(record);
    }
    // Nothing is paired or hidden yet (the index was just loaded): set pairs without diffing.
    for (const members of groups.values()) {
      const pair = members.length >= 2 ? choosePair(members) : null;
      if (!pair) continue;
      this.byStill.set(pair.still.id, livePhotoOf(pair.clip));
      this.index.hide(pair.clip.id, pair.still.id);
    }
  }

  /** After a path was upserted or removed: pairs its group again and says what changed. */
  update(rel: string): PairChange {
    const ext = extension(rel);
    if (!partnerExtensions.includes(ext))
      return { stillsChanged: [], clipsHidden: [], clipsShown: [] };
    return this.sync(pairKey(rel));
  }

  private sync(key: string): PairChange {
    const members: MediaRecord[] = [];
    for (const suffix of memberSuffixes) {
      const member = this.index.getByPath(key + suffix);
      if (member) members.push(member);
    }
    return this.apply(members);
  }

  /** Pairs the files of one group (all that share a key) as the rule says; returns what changed. */
  private apply(members: readonly MediaRecord[]): PairChange {
    const change: PairChange = { stillsChanged: [], clipsHidden: [], clipsShown: [] };
    const pair = members.length >= 2 ? choosePair(members) : null;
    const old = this.pairingInForce(members);
    if (old && (!pair || pair.still.id !== old.stillId || pair.clip.id !== old.clipId)) {
      this.byStill.delete(old.stillId);
      if (this.index.getById(old.stillId)) change.stillsChanged.push(old.stillId);
      this.index.unhide(old.clipId);
      if (this.index.getById(old.clipId)) change.clipsShown.push(old.clipId);
    }
    if (!pair) return change;
    const live = livePhotoOf(pair.clip);
    const current = this.byStill.get(pair.still.id);
    if (!current || current.url !== live.url || current.durationMs !== live.durationMs) {
      this.byStill.set(pair.still.id, live);
      if (!change.stillsChanged.includes(pair.still.id)) change.stillsChanged.push(pair.still.id);
    }
    if (!this.index.isHidden(pair.clip.id)) {
      this.index.hide(pair.clip.id, pair.still.id);
      const shownAgain = change.clipsShown.indexOf(pair.clip.id);
      if (shownAgain >= 0) change.clipsShown.splice(shownAgain, 1);
      else change.clipsHidden.push(pair.clip.id);
    }
    return change;
  }

  /** The pair this group had until now: a member still's clip, or the (maybe removed) still a member clip was hidden for. */
  private pairingInForce(
    members: readonly MediaRecord[],
  ): { stillId: string; clipId: string } | null {
    for (const member of members) {
      const live = this.byStill.get(member.id);
      if (live) return { stillId: member.id, clipId: live.id };
      const owner = this.index.ownerOf(member.id);
      if (owner !== undefined) return { stillId: owner, clipId: member.id };
    }
    return null;
  }
}

import { stat as statCallback, type Dirent, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { hasMediaExtension, isHidden } from './media-types.js';
import { isSidecarName, sidecarFor } from './sidecar.js';

export interface FoundFile {
  /** Relative to the media root, '/' separated. */
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
  /** Its XMP sidecar, when one lies beside it. */
  sidecar?: { abs: string; mtimeMs: number } | null;
}

export interface WalkOptions {
  /** Real paths never entered (the data folder, if someone put it inside the media folder). */
  exclude?: readonly string[];
  onSkip?: (rel: string, reason: string) => void;
}

/** Stats in flight at once: enough to keep libuv's thread pool busy, bounded for huge folders. */
const STATS_IN_FLIGHT = 64;

/** True when `candidate` is `root` or lies below it (both already real paths). */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Folders listed at once: a walk is one chain of round trips per folder, which on a busy machine took longer than reading the files. */
const DIRS_IN_FLIGHT = 8;

interface PendingDir {
  abs: string;
  rel: string;
  /** Known without asking the disk for a plain folder inside a real one; only links need `realpath`. */
  real?: string;
}

/**
 * Walks the media folder in batches (one directory's files per batch, several folders
 * listed at once), skipping hidden entries, following symlinks only when their target stays
 * inside the root, and never entering a directory twice, so link loops end.
 */
export async function* walkMedia(
  root: string,
  options: WalkOptions = {},
  startRel = '',
): AsyncGenerator<FoundFile[]> {
  const realRoot = await realpath(root);
  const exclude = new Set(options.exclude ?? []);
  const skip = options.onSkip ?? (() => undefined);
  const start = startRel ? path.join(realRoot, startRel) : realRoot;
  const visited = new Set<string>();
  const queue: PendingDir[] = [{ abs: start, rel: startRel, ...(startRel ? {} : { real: realRoot }) }];
  // Linked folders wait until every plain one is listed: a folder reachable both ways is then
  // always listed at its own place, and the link is what counts as already visited.
  const links: PendingDir[] = [];

  const list = async (dir: PendingDir): Promise<FoundFile[]> => {
    let real = dir.real;
    if (real === undefined) {
      try {
        real = await realpath(dir.abs);
      } catch {
        return [];
      }
    }
    // Checked and marked with no await in between: two folders listed at once cannot both enter one target.
    if (visited.has(real) || exclude.has(real) || !isInside(realRoot, real)) {
      if (visited.has(real)) skip(dir.rel, 'folder already visited (symlink loop)');
      return [];
    }
    visited.add(real);

    let entries: Dirent[];
    try {
      entries = await readdir(dir.abs, { withFileTypes: true });
    } catch (error) {
      skip(dir.rel || '.', `folder cannot be read (${(error as NodeJS.ErrnoException).code})`);
      return [];
    }

    const files: FoundFile[] = [];
    const regular: Array<{ rel: string; abs: string }> = [];
    const sidecars = new Map<string, string>();
    const relPrefix = dir.rel ? `${dir.rel}/` : '';
    const absPrefix = dir.abs.endsWith(path.sep) ? dir.abs : dir.abs + path.sep;
    const realPrefix = real.endsWith(path.sep) ? real : real + path.sep;
    for (const entry of entries) {
      if (isHidden(entry.name)) continue;
      const rel = relPrefix + entry.name;
      const abs = absPrefix + entry.name;
      if (entry.isDirectory()) queue.push({ abs, rel, real: realPrefix + entry.name });
      else if (entry.isSymbolicLink())
        await followLink({ rel, abs, name: entry.name }, realRoot, links, files, skip);
      else if (entry.isFile() && hasMediaExtension(entry.name)) regular.push({ rel, abs });
      else if (entry.isFile() && isSidecarName(entry.name)) sidecars.set(entry.name.toLowerCase(), entry.name);
    }
    const stats = await statMany(regular.map((file) => file.abs));
    for (let i = 0; i < regular.length; i++) {
      const info = stats[i];
      if (!info) continue; // gone since the folder was listed
      const { rel, abs } = regular[i]!;
      files.push({ rel, abs, size: info.size, mtimeMs: Math.trunc(info.mtimeMs) });
    }
    if (sidecars.size > 0) await attachSidecars(files, sidecars, absPrefix);
    return files;
  };

  const inFlight = new Map<number, Promise<{ id: number; files: FoundFile[] }>>();
  let nextId = 0;
  while (queue.length > 0 || links.length > 0 || inFlight.size > 0) {
    if (queue.length === 0 && inFlight.size === 0) queue.push(links.shift()!);
    while (queue.length > 0 && inFlight.size < DIRS_IN_FLIGHT) {
      const id = nextId++;
      const listing = list(queue.pop()!).catch(() => []);
      inFlight.set(id, listing.then((files) => ({ id, files })));
    }
    const { id, files } = await Promise.race(inFlight.values());
    inFlight.delete(id);
    if (files.length > 0) yield files;
  }
}

/** Finds and stats each file's sidecar among the folder's `.xmp` names (only folders that have any). */
async function attachSidecars(files: FoundFile[], sidecars: ReadonlyMap<string, string>, absPrefix: string): Promise<void> {
  const withSidecar = files.flatMap((file) => {
    const name = sidecarFor(file.rel.slice(file.rel.lastIndexOf('/') + 1), sidecars);
    return name ? [{ file, abs: absPrefix + name }] : [];
  });
  const stats = await statMany(withSidecar.map((entry) => entry.abs));
  withSidecar.forEach(({ file, abs }, i) => {
    const info = stats[i];
    if (info?.isFile()) file.sidecar = { abs, mtimeMs: Math.trunc(info.mtimeMs) };
  });
}

async function followLink(
  link: { rel: string; abs: string; name: string },
  realRoot: string,
  links: PendingDir[],
  files: FoundFile[],
  skip: (rel: string, reason: string) => void,
): Promise<void> {
  const target = await realpath(link.abs).catch(() => null);
  if (!target || !isInside(realRoot, target)) {
    skip(link.rel, target ? 'symlink points outside the media folder' : 'broken symlink');
    return;
  }
  const info = await stat(link.abs).catch(() => null);
  if (info?.isDirectory()) links.push({ abs: link.abs, rel: link.rel });
  else if (info?.isFile() && hasMediaExtension(link.name)) {
    files.push({
      rel: link.rel,
      abs: link.abs,
      size: info.size,
      mtimeMs: Math.trunc(info.mtimeMs),
    });
  }
}

/**
 * `stat` of many paths through the callback API (null where it failed). The promise API
 * cost twice the CPU at 100k files (a FileHandle-free but promise-per-call round trip),
 * the largest single part of a warm restart; `statSync` is cheaper still but would stall
 * the event loop on a slow or cold disk while the server is already answering.
 */
function statMany(paths: readonly string[]): Promise<Array<Stats | null>> {
  const results = new Array<Stats | null>(paths.length).fill(null);
  if (paths.length === 0) return Promise.resolve(results);
  return new Promise((resolve) => {
    let next = 0;
    let done = 0;
    const launch = (): void => {
      const i = next++;
      statCallback(paths[i]!, (error, info) => {
        if (!error) results[i] = info;
        if (++done === paths.length) resolve(results);
        else if (next < paths.length) launch();
      });
    };
    for (let k = 0; k < Math.min(STATS_IN_FLIGHT, paths.length); k++) launch();
  });
}

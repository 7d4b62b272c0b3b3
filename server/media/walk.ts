import type { Dirent } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { hasMediaExtension, isHidden } from './media-types.js';

export interface FoundFile {
  /** Relative to the media root, '/' separated. */
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

export interface WalkOptions {
  /** Real paths never entered (the data folder, if someone put it inside the media folder). */
  exclude?: readonly string[];
  onSkip?: (rel: string, reason: string) => void;
}

/** True when `candidate` is `root` or lies below it (both already real paths). */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Walks the media folder in batches (one directory's stats in parallel), skipping hidden
 * entries, following symlinks only when their target stays inside the root, and never
 * entering a directory twice, so link loops end.
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
  const stack: Array<{ abs: string; rel: string }> = [{ abs: start, rel: startRel }];

  while (stack.length > 0) {
    const dir = stack.pop()!;
    let real: string;
    try {
      real = await realpath(dir.abs);
    } catch {
      continue;
    }
    if (visited.has(real) || exclude.has(real) || !isInside(realRoot, real)) {
      if (visited.has(real)) skip(dir.rel, 'folder already visited (symlink loop)');
      continue;
    }
    visited.add(real);

    const entries: Dirent[] = [];
    try {
      for await (const entry of await opendir(dir.abs)) entries.push(entry);
    } catch (error) {
      skip(dir.rel || '.', `folder cannot be read (${(error as NodeJS.ErrnoException).code})`);
      continue;
    }

    const files: FoundFile[] = [];
    await Promise.all(
      entries.map(async (entry) => {
        if (isHidden(entry.name)) return;
        const rel = dir.rel ? `${dir.rel}/${entry.name}` : entry.name;
        const abs = path.join(dir.abs, entry.name);
        if (entry.isDirectory()) {
          stack.push({ abs, rel });
          return;
        }
        if (entry.isSymbolicLink()) {
          const target = await realpath(abs).catch(() => null);
          if (!target || !isInside(realRoot, target)) {
            skip(rel, target ? 'symlink points outside the media folder' : 'broken symlink');
            return;
          }
          const info = await stat(abs).catch(() => null);
          if (info?.isDirectory()) stack.push({ abs, rel });
          else if (info?.isFile() && hasMediaExtension(entry.name)) {
            files.push({ rel, abs, size: info.size, mtimeMs: Math.trunc(info.mtimeMs) });
          }
          return;
        }
        if (!entry.isFile() || !hasMediaExtension(entry.name)) return;
        const info = await stat(abs).catch(() => null);
        if (info) files.push({ rel, abs, size: info.size, mtimeMs: Math.trunc(info.mtimeMs) });
      }),
    );
    if (files.length > 0) yield files;
  }
}

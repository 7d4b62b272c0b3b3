import { readdir, readFile } from 'node:fs/promises';

const MiB = 1024 * 1024;

/** Resident memory of one process (VmRSS), in bytes; 0 once it is gone. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** Child process ids of `pid` (all its threads' children). */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const out: number[] = [];
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const id of text.split(' ')) if (id.trim()) out.push(Number(id));
  }
  return out;
}

/**
 * Sums `bytesOf` over a process and all its descendants, in MiB: a helper process that does
 * part of the work (a renderer, ffmpeg) is counted, not hidden.
 */
async function treeMiB(pid: number, bytesOf: (pid: number) => Promise<number>): Promise<number> {
  let total = await bytesOf(pid);
  for (const child of await childrenOf(pid)) {
    // tsx's esbuild service only exists because benchmark children run from source.
    const name = (await readFile(`/proc/${child}/comm`, 'utf8').catch(() => '')).trim();
    if (name !== 'esbuild') total += (await treeMiB(child, bytesOf)) * MiB;
  }
  return total / MiB;
}

/** Resident memory of a process and all its descendants, in MiB. */
export function treeRssMiB(pid: number): Promise<number> {
  return treeMiB(pid, rssOf);
}

/** Proportional resident memory (Pss) of one process, in bytes: pages shared with others count in part. */
async function pssOf(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
}

/**
 * Proportional resident memory of a process and its descendants, in MiB: what they cost the
 * machine together. Unlike summed RSS it counts node's code, mapped by the server and by a
 * renderer process alike, once.
 */
export function treePssMiB(pid: number): Promise<number> {
  return treeMiB(pid, pssOf);
}

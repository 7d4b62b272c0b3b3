import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { notRun, type BenchContext, type Section } from './lib/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Benchmark modules loaded by name; each exports `run<Name>Bench(ctx)`, or
 * `run<Name>BenchSection(ctx)` when `run<Name>Bench` takes its own options instead.
 */
export const peerModules = [
  { id: 'thumbs', file: 'thumbs.ts', fn: 'runThumbsBench', title: 'Thumbnails: spis vs bare sharp, cached requests' },
  { id: 'events', file: 'events.ts', fn: 'runEventsBench', title: 'Live events: file copy to WebSocket and webhook' },
  {
    id: 'idle',
    file: 'idle.ts',
    fn: 'runIdleBench',
    title: 'Idle footprint and warm restart',
    // This module takes its own options rather than the context.
    options: (ctx: BenchContext) => ({ items: ctx.quick ? 2000 : 20_000, idleSeconds: ctx.quick ? 10 : 30, restarts: ctx.repeats, log: ctx.log }),
  },
  { id: 'pwa', file: 'pwa.ts', fn: 'runPwaBench', title: 'PWA in headless Chromium' },
  { id: 'web', file: 'lighthouse.ts', fn: 'runLighthouseBench', title: 'Web app on a phone (Lighthouse mobile)' },
  { id: 'auth', file: 'auth.ts', fn: 'runAuthBench', title: 'Access control: login throttling and the cost of auth' },
  { id: 'video', file: 'video.ts', fn: 'runVideoBench', title: 'Video playback: transcodes and time to first frame' },
] as const;

/** Imports a peer module when it exists and turns whatever it returns into a report section. */
export async function runPeer(ctx: BenchContext, peer: (typeof peerModules)[number]): Promise<Section> {
  const file = path.join(here, peer.file);
  if (!(await stat(file).catch(() => null))) return notRun(peer.id, peer.title, 'module missing');
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const fn = mod[`${peer.fn}Section`] ?? mod[peer.fn];
  if (typeof fn !== 'function') return notRun(peer.id, peer.title, `module has no ${peer.fn} export`);
  const argument = 'options' in peer ? peer.options(ctx) : ctx;
  const result = (await (fn as (c: unknown) => Promise<unknown>)(argument)) as unknown;
  return toSection(peer.id, peer.title, result);
}

function toSection(id: string, title: string, result: unknown): Section {
  const base: Section = { id, title, status: 'ok', method: '', figures: [], ratios: [], targets: [] };
  if (typeof result === 'string') return { ...base, markdown: result };
  if (!result || typeof result !== 'object') return { ...base, raw: result ?? null };
  const r = result as Partial<Section> & Record<string, unknown>;
  const shaped = Array.isArray(r.figures) && r.figures.every((f) => f && typeof f === 'object' && 'summary' in f);
  if (!shaped) return { ...base, raw: result };
  return {
    ...base,
    ...r,
    id,
    title: typeof r.title === 'string' ? r.title : title,
    figures: r.figures ?? [],
    ratios: Array.isArray(r.ratios) ? r.ratios : [],
    targets: Array.isArray(r.targets) ? r.targets : [],
  } as Section;
}

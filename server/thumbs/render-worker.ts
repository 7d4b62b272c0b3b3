/**
 * The background renderer's process (see background-renderer.ts): renders what it is sent,
 * one libvips thread per render, at the low CPU priority its parent gave it.
 */
import { render, type RenderLimits, type RenderOps, type RenderSource } from './render.js';
import { loadSharp } from '../util/sharp-loader.js';
import { computeThumbhash } from './thumbhash.js';

export interface RenderJob {
  id: number;
  source: RenderSource;
  ops: RenderOps;
  limits: RenderLimits;
  /** Also compute the ThumbHash placeholder from the result (small renditions). */
  placeholder: boolean;
}

export type RenderReply =
  | { id: number; data: Buffer; width: number; height: number; placeholder: string | null }
  | { id: number; error: string };

// One thread per render: background work must never fill the machine's cores, and renders of
// different files already run side by side.
(await loadSharp()).concurrency(1);

async function run(job: RenderJob): Promise<RenderReply> {
  const rendered = await render(job.source, job.ops, job.limits);
  return { id: job.id, ...rendered, placeholder: job.placeholder ? await computeThumbhash(rendered.data) : null };
}

process.on('message', (job: RenderJob) => {
  run(job).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ id: job.id, error: error instanceof Error ? error.message : String(error) } satisfies RenderReply),
  );
});
// The parent went away (crash, SIGKILL): nothing left to render for.
process.on('disconnect', () => process.exit(0));

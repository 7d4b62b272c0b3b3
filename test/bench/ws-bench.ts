import { notRun, type BenchContext, type Section } from './lib/types.js';

export async function runWsBench(_ctx: BenchContext): Promise<Section> {
  return notRun('ws-bench', 'ws-bench', 'not written yet');
}

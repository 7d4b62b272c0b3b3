import { notRun, type BenchContext, type Section } from './lib/types.js';

export async function runResizeBench(_ctx: BenchContext): Promise<Section> {
  return notRun('resize-bench', 'resize-bench', 'not written yet');
}

import { notRun, type BenchContext, type Section } from './lib/types.js';

export async function runListingBench(_ctx: BenchContext): Promise<Section> {
  return notRun('listing-bench', 'listing-bench', 'not written yet');
}

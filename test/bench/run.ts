/**
 * `npm run bench [-- --quick] [-- --only=index,listing] [-- --profile=pi]`: generates (or
 * reuses) a seeded corpus, runs every benchmark with repeats, and writes
 * test/bench/results/report.{md,json}. `--profile=pi` runs every server on one core with the
 * memory settings of a small machine (see lib/pi-profile.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runBackgroundBench } from './background-bench.js';
import { runCacheBench } from './cache-bench.js';
import { runIndexBench } from './index-bench.js';
import { corpusSpecs, ensureCorpus } from './lib/corpus.js';
import { machineInfo } from './lib/machine.js';
import { applyPiProfile } from './lib/pi-profile.js';
import { writeReport, type Report } from './lib/report.js';
import { round } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';
import { runListingBench } from './listing-bench.js';
import { peerModules, runPeer } from './peers.js';
import { runReplicasBench } from './replicas-bench.js';
import { runResizeBench } from './resize-bench.js';
import { runSoakBench } from './soak-bench.js';
import { runUploadBench } from './upload-bench.js';
import { runWsBench } from './ws-bench.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const soakArg = args.find((a) => a.startsWith('--soak='))?.slice('--soak='.length);
const profile = args.find((a) => a.startsWith('--profile='))?.slice('--profile='.length) ?? 'default';
if (profile !== 'default' && profile !== 'pi') throw new Error(`unknown --profile=${profile} (default, pi)`);
const outDir = args.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? path.join(here, 'results');

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

const benches: Array<{ id: string; title: string; run: (ctx: BenchContext) => Promise<Section> }> = [
  { id: 'cache', title: 'Thumbnail memory cache policy', run: runCacheBench },
  { id: 'index', title: 'Media index', run: runIndexBench },
  { id: 'listing', title: 'GET /api/media', run: runListingBench },
  { id: 'background', title: 'Listing during background renders', run: runBackgroundBench },
  { id: 'resize', title: 'On-the-fly resize', run: runResizeBench },
  { id: 'ws', title: 'WebSocket fan-out', run: runWsBench },
  { id: 'soak', title: 'Memory soak', run: runSoakBench },
  { id: 'upload', title: 'Upload throughput', run: runUploadBench },
  { id: 'replicas', title: 'Scale-out over Redis', run: runReplicasBench },
  ...peerModules.map((peer) => ({ id: peer.id, title: peer.title, run: (ctx: BenchContext) => runPeer(ctx, peer) })),
];

async function main(): Promise<void> {
  const started = performance.now();
  const profileNote = profile === 'pi' ? applyPiProfile() : null;
  const machine = machineInfo();
  const temp = await mkdtemp(path.join(tmpdir(), 'spis-bench-'));
  // --corpus=quick: full-size libraries (hard links) over the small corpus, which is quick to generate.
  const corpusName = args.find((a) => a.startsWith('--corpus='))?.slice('--corpus='.length) ?? (quick ? 'quick' : 'full');
  if (corpusName !== 'quick' && corpusName !== 'full') throw new Error(`unknown --corpus=${corpusName} (quick, full)`);
  const corpus = await ensureCorpus(path.join(here, 'corpus', corpusName), corpusSpecs[corpusName], log);
  let n = 0;
  const ctx: BenchContext = {
    quick,
    repeats: quick ? 2 : 3,
    repoRoot: path.resolve(here, '..', '..'),
    corpus,
    tempDir: (prefix) => mkdtemp(path.join(temp, `${prefix}${n++}-`)),
    log,
    // Three minutes keep a full run within its 15-minute budget; --soak=600 runs the full ten.
    soakSeconds: soakArg ? Number(soakArg) : quick ? 20 : 180,
  };
  const sections: Section[] = [];
  try {
    for (const bench of benches) {
      if (only && !only.includes(bench.id)) continue;
      log(`${bench.id}: start`);
      const t0 = performance.now();
      const load0 = loadavg()[0]!;
      let section: Section;
      try {
        section = await bench.run(ctx);
      } catch (error) {
        const e = error as Error;
        section = { id: bench.id, title: bench.title, status: 'failed', reason: e.stack ?? e.message, method: '', figures: [], ratios: [], targets: [] };
      }
      section.durationMs = performance.now() - t0;
      section.loadAverage = [round(load0, 2), round(loadavg()[0]!, 2)];
      log(`${bench.id}: ${section.status}${section.reason ? ` (${section.reason.split('\n')[0]})` : ''} in ${Math.round(section.durationMs / 1000)} s`);
      sections.push(section);
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  const byKind: Record<string, number> = {};
  for (const f of corpus.files) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  const report: Report = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    ...(profileNote ? { profile: profileNote } : {}),
    durationS: (performance.now() - started) / 1000,
    loadAverageAtEnd: loadavg().map((n) => round(n, 2)),
    machine,
    corpus: { files: corpus.files.length, bytes: corpus.files.reduce((s, f) => s + f.bytes, 0), byKind, seed: corpus.seed, reused: corpus.reused },
    sections,
  };
  await writeReport(outDir, report);
  log(`report written to ${path.relative(process.cwd(), outDir)}/report.md in ${Math.round(report.durationS)} s`);
}

await main();

import type { Summary } from './stats.js';

/** One file of the generated corpus. */
export interface CorpusFile {
  /** Relative to the corpus media folder. */
  rel: string;
  kind: 'jpeg' | 'png' | 'heic' | 'video';
  width: number;
  height: number;
  bytes: number;
}

export interface Corpus {
  /** Folder holding everything generated for this profile. */
  dir: string;
  /** The media folder (real files). */
  media: string;
  files: CorpusFile[];
  seed: number;
  /** True when an existing corpus matched the manifest and was reused. */
  reused: boolean;
}

/**
 * Handed to every benchmark module (also the `run*Bench(ctx)` modules loaded by peers.ts).
 * Everything written during a run goes below `tmpRoot`, removed at the end.
 */
export interface BenchContext {
  quick: boolean;
  /** How many times each measurement is repeated. */
  repeats: number;
  repoRoot: string;
  corpus: Corpus;
  /** A fresh folder for a benchmark's own files (media copies, data folders). */
  tempDir(prefix: string): Promise<string>;
  log(message: string): void;
  /** Length of the memory soak (`--soak=SECONDS`); DESIGN.md's target speaks of 10 minutes. */
  soakSeconds: number;
}

export interface Figure {
  name: string;
  unit: string;
  summary: Summary;
  note?: string;
}

export interface Ratio {
  name: string;
  /** spis ÷ peer (or ÷ floor); above 1 means spis does more (or takes longer, see note). */
  value: number;
  note: string;
}

export interface Target {
  /** The line from DESIGN.md "Performance targets". */
  target: string;
  met: boolean | null;
  /** What was measured, the reason behind the verdict (null verdict = not measured). */
  measured: string;
}

export interface Section {
  id: string;
  title: string;
  status: 'ok' | 'not run' | 'failed';
  reason?: string;
  /** How it was measured, in one or two sentences (what, concurrency, sizes). */
  method: string;
  figures: Figure[];
  ratios: Ratio[];
  targets: Target[];
  durationMs?: number;
  /** 1-minute load average at the start and end of the section: high values taint wall-clock figures. */
  loadAverage?: [number, number];
  /** Free-form markdown or data returned by a module that does not follow this shape. */
  markdown?: string;
  raw?: unknown;
}

export const notRun = (id: string, title: string, reason: string): Section => ({
  id, title, status: 'not run', reason, method: '', figures: [], ratios: [], targets: [],
});

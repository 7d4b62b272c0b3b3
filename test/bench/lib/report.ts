import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MachineInfo } from './machine.js';
import type { Summary } from './stats.js';
import type { Section } from './types.js';

export interface Report {
  date: string;
  mode: 'quick' | 'full';
  command: string;
  /** Set by `--profile=pi`: how the servers were constrained. */
  profile?: string;
  durationS: number;
  loadAverageAtEnd: number[];
  machine: MachineInfo;
  corpus: { files: number; bytes: number; byKind: Record<string, number>; seed: number; reused: boolean };
  sections: Section[];
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100));
const range = (s: Summary) => `${fmt(s.min)}–${fmt(s.max)}`;
const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? '**met**' : '**not met**');

export async function writeReport(dir: string, report: Report): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(path.join(dir, 'report.md'), renderMarkdown(report));
}

export function renderMarkdown(r: Report): string {
  const m = r.machine;
  const lines = [
    `# spis benchmark report (${r.mode})`,
    '',
    `- date: ${r.date}; command: \`${r.command}\`; took ${fmt(r.durationS)} s`,
    `- machine: ${m.cpus} × ${m.cpuModel}, ${fmt(m.memoryMiB)} MiB, load average (1/5/15 min) at start ${m.loadAverage.join(' / ')}, at end ${r.loadAverageAtEnd.join(' / ')}, ${m.platform}`,
    ...(r.profile ? [`- profile: ${r.profile}`] : []),
    `- node ${m.node}, sharp ${m.sharp}, libvips ${m.libvips}`,
    `- corpus: ${r.corpus.files} files, ${fmt(r.corpus.bytes / 2 ** 20)} MiB (${Object.entries(r.corpus.byKind).map(([k, n]) => `${n} ${k}`).join(', ')}), seed ${r.corpus.seed}${r.corpus.reused ? ', reused' : ', generated this run'}`,
    '- figures: median of the runs, with min–max; the machine is shared, so ratios measured in the same run matter more than absolute numbers',
    ...(Math.max(...r.machine.loadAverage.slice(0, 1), ...r.loadAverageAtEnd.slice(0, 1)) > r.machine.cpus
      ? ['- **the load average exceeded the core count during this run**: wall-clock figures (throughput, latency, restart times) then measure the contention as much as spis; read the CPU-time figures and the same-run ratios first']
      : []),
    '',
    '## Targets',
    '',
    '| target | verdict | measured |',
    '|---|---|---|',
    ...r.sections.flatMap((s) => s.targets.map((t) => `| ${t.target} | ${verdict(t.met)} | ${t.measured} |`)),
    '',
  ];
  for (const s of r.sections) lines.push(...renderSection(s, m.cpus));
  return lines.join('\n') + '\n';
}

function renderSection(s: Section, cpuCount: number): string[] {
  const out = [`## ${s.title}`, ''];
  if (s.status !== 'ok') {
    out.push(`${s.status}: ${s.reason ?? ''}`, '');
    if (s.status === 'not run') return out;
  }
  if (s.method) out.push(s.method, '');
  if (s.figures.length > 0) {
    out.push('| figure | median | min–max | runs | unit | note |', '|---|---|---|---|---|---|');
    for (const f of s.figures) out.push(`| ${f.name} | ${fmt(f.summary.median)} | ${range(f.summary)} | ${f.summary.runs.length} | ${f.unit} | ${f.note ?? ''} |`);
    out.push('');
  }
  if (s.ratios.length > 0) {
    out.push('| ratio | value | meaning |', '|---|---|---|');
    for (const q of s.ratios) out.push(`| ${q.name} | ${fmt(q.value)} | ${q.note} |`);
    out.push('');
  }
  if (s.markdown) out.push(s.markdown, '');
  else if (s.raw !== undefined) out.push('```json', JSON.stringify(s.raw, null, 2).slice(0, 20_000), '```', '');
  if (s.durationMs !== undefined) {
    const load = s.loadAverage ? `, 1-minute load average ${s.loadAverage[0]} → ${s.loadAverage[1]} on ${cpuCount} cores` : '';
    out.push(`_section took ${fmt(s.durationMs / 1000)} s${load}_`, '');
  }
  return out;
}

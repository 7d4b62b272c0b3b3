import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { idForPath } from '../../server/media/record-factory.js';
import { startChild, type RunningChild } from './lib/child.js';
import { load } from './lib/load.js';
import { repeat, round, summarize } from './lib/stats.js';
import type { BenchContext, Figure, Section } from './lib/types.js';
import { startServer } from './listing-bench.js';

const WIDTH = 800;
const QUALITY = 80;

interface Source {
  rel: string;
  width: number;
}

/** Two sources of each camera size, copied into a media folder both servers read. */
async function sources(ctx: BenchContext): Promise<{ media: string; files: Source[] }> {
  const media = await ctx.tempDir('resize-media-');
  const files: Source[] = [];
  for (const width of [4032, 2048, 1600]) {
    for (const f of ctx.corpus.files.filter((c) => c.kind === 'jpeg' && c.width === width).slice(0, 2)) {
      const rel = `src/${path.basename(f.rel)}`;
      await mkdir(path.join(media, 'src'), { recursive: true });
      await copyFile(path.join(ctx.corpus.media, f.rel), path.join(media, rel));
      files.push({ rel, width });
    }
  }
  return { media, files };
}

const spisUrl = (port: number, rel: string, w: number) =>
  `http://127.0.0.1:${port}/api/media/${idForPath(rel)}/image?w=${w}&format=webp&quality=${QUALITY}`;
const ipxUrl = (port: number, rel: string, w: number) => `http://127.0.0.1:${port}/w_${w},f_webp,q_${QUALITY}/${rel}`;

async function fetchBytes(url: string): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  return { ms: performance.now() - t0, bytes: body.byteLength, status: response.status };
}

type UrlOf = (rel: string, w: number) => string;

/** Cold: every request asks for a width never asked before, so nothing is cached anywhere. */
async function cold(files: Source[], url: UrlOf, server: RunningChild<unknown>, run: number) {
  const cpu0 = await server.cpuMs();
  const times: number[] = [];
  for (const [i, f] of files.entries()) {
    const r = await fetchBytes(url(f.rel, WIDTH + run * 10 + i));
    if (r.status !== 200) throw new Error(`${url(f.rel, WIDTH)} answered ${r.status}`);
    times.push(r.ms);
  }
  return { ms: summarize(times).median, cpu: ((await server.cpuMs()) - cpu0) / files.length };
}

export async function runResizeBench(ctx: BenchContext): Promise<Section> {
  const { media, files } = await sources(ctx);
  const spis = await startServer(media, await ctx.tempDir('resize-data-'));
  const ipx = await startChild<{ port: number }>('ipx-child.ts', { env: { BENCH_MEDIA: media } });
  const urls = { spis: (rel: string, w: number) => spisUrl(spis.info.port, rel, w), ipx: (rel: string, w: number) => ipxUrl(ipx.info.port, rel, w) };
  const durationS = ctx.quick ? 3 : 8;
  try {
    const probe = await fetchBytes(urls.spis(files[0]!.rel, WIDTH));
    if (probe.status !== 200) return { id: 'resize', title: 'On-the-fly resize', status: 'not run', reason: `spis transform route answered ${probe.status}`, method: '', figures: [], ratios: [], targets: [] };
    const same = files.find((f) => f.width === 2048)!;
    const outBytes = { spis: (await fetchBytes(urls.spis(same.rel, WIDTH))).bytes, ipx: (await fetchBytes(urls.ipx(same.rel, WIDTH))).bytes };
    const runs = await repeat(ctx.repeats, async (run) => {
      const s = await cold(files, urls.spis, spis, run + 1);
      const x = await cold(files, urls.ipx, ipx, run + 1);
      const ws = await load(urls.spis(same.rel, WIDTH), 4, durationS);
      const wx = await load(urls.ipx(same.rel, WIDTH), 4, durationS);
      if (ws.non2xx + wx.non2xx + ws.errors + wx.errors > 0) throw new Error('failed requests under load');
      return { spisCold: s.ms, ipxCold: x.ms, spisCpu: s.cpu, ipxCpu: x.cpu, spisWarm: ws.rps, ipxWarm: wx.rps };
    });
    const figures: Figure[] = [
      { name: 'cold resize latency, spis', unit: 'ms', summary: runs.spisCold, note: 'median over the 6 sources of one run' },
      { name: 'cold resize latency, ipx', unit: 'ms', summary: runs.ipxCold },
      { name: 'cold resize server CPU per image, spis', unit: 'ms', summary: runs.spisCpu },
      { name: 'cold resize server CPU per image, ipx', unit: 'ms', summary: runs.ipxCpu },
      { name: 'warm: same request repeated, spis (served from its transform cache)', unit: 'requests/s', summary: runs.spisWarm },
      { name: 'warm: same request repeated, ipx (no result cache: resizes every time)', unit: 'requests/s', summary: runs.ipxWarm },
    ];
    return {
      id: 'resize',
      title: 'On-the-fly resize: spis vs ipx',
      status: 'ok',
      method:
        `Both servers in their own child processes over the same folder of 6 corpus JPEGs (2 each of 4032×3024, 2048×1536, 1600×1200); output ${WIDTH} px wide WebP at quality ${QUALITY} ` +
        `(spis \`/api/media/:id/image?w=…&format=webp&quality=${QUALITY}\`, ipx \`/w_…,f_webp,q_${QUALITY}/path\`). Cold: sequential requests, each for a width never asked before. ` +
        `Warm: autocannon, 4 connections, ${durationS} s, one 2048×1536 source. Output bytes for the same request: spis ${outBytes.spis}, ipx ${outBytes.ipx}.`,
      figures,
      ratios: [
        { name: 'cold latency: spis ÷ ipx', value: round(runs.spisCold.median / runs.ipxCold.median, 3), note: '< 1: spis resizes faster' },
        { name: 'cold CPU per image: spis ÷ ipx', value: round(runs.spisCpu.median / runs.ipxCpu.median, 3), note: '< 1: spis spends less CPU' },
        { name: 'warm throughput: spis ÷ ipx', value: round(runs.spisWarm.median / runs.ipxWarm.median, 2), note: 'spis caches results, ipx does not' },
      ],
      targets: [
        {
          target: 'Side by side against ipx for on-the-fly resizes, figures and ratios in the report',
          met: true,
          measured: `cold ${round(runs.spisCold.median)} vs ${round(runs.ipxCold.median)} ms; warm ${round(runs.spisWarm.median, 0)} vs ${round(runs.ipxWarm.median, 0)} req/s`,
        },
      ],
    };
  } finally {
    await Promise.all([spis.stop(), ipx.stop()]);
  }
}

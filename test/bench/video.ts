/**
 * Video playback: transcode throughput of a 1080p HEVC clip through spis vs the same ffmpeg
 * command run bare (interleaved rounds), peak RSS of the spis process while it transcodes,
 * and time from "play" to the first decoded frame in headless Chromium, for a browser-safe
 * video and for one whose rendition is not prepared yet. Runs alone too:
 * `node --import tsx test/bench/video.ts` prints the section as JSON.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { renditionArgs } from '../../server/video/rendition-args.js';
import type { MediaPage } from '../../server/shared/api-types.js';
import { DESKTOP, openBrowser } from '../helpers/browser.js';
import { api, startTestServer, waitFor } from '../helpers/spis.js';
import { makeFixture } from '../helpers/videos.js';
import { round, summarize } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';

const run = promisify(execFile);
const SECONDS = 3;

async function hevc1080(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  await run('ffmpeg', [
    '-hide_banner',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=1920x1080:rate=30:duration=${SECONDS}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${SECONDS}`,
    '-c:v',
    'libx265',
    '-preset',
    'ultrafast',
    '-x265-params',
    'log-level=error',
    '-pix_fmt',
    'yuv420p',
    '-tag:v',
    'hvc1',
    '-c:a',
    'aac',
    file,
  ]);
  return file;
}

/** The command spis runs, with the same settings, under the same `nice`. */
async function bareFfmpeg(input: string, output: string): Promise<number> {
  const args = renditionArgs(
    input,
    output,
    { maxHeight: 1080, crf: 23, preset: 'veryfast', encoder: '' },
    true,
  );
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('nice', ['-n', '10', 'ffmpeg', ...args], { stdio: 'ignore' });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg exit ${code}`)),
    );
  });
  return (performance.now() - started) / 1000;
}

export async function runVideoBench(ctx: BenchContext): Promise<Section> {
  const rounds = Math.max(2, ctx.repeats);
  const sources = await ctx.tempDir('video-src-');
  const clip = await hevc1080(sources, 'clip.mov');
  const bare: number[] = [];
  const viaSpis: number[] = [];
  let peakRss = 0;
  const rssAtRest: number[] = [];
  for (let round_ = 0; round_ < rounds; round_++) {
    ctx.log(`video: round ${round_ + 1}/${rounds}`);
    const out = await ctx.tempDir('video-bare-');
    bare.push(await bareFfmpeg(clip, path.join(out, 'out.mp4')));
    // A fresh media folder and data folder each round: nothing is prepared yet.
    const media = await ctx.tempDir('video-media-');
    await run('cp', [clip, path.join(media, `round${round_}.mov`)]);
    const server = await startTestServer({
      media,
      config: { log: { level: 'warn' }, thumbnails: { pregenerate: false } },
    });
    try {
      rssAtRest.push(process.memoryUsage().rss);
      const sampler = setInterval(
        () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)),
        50,
      );
      // Timed from the moment the queue starts the job (polled every 20 ms) to playback.ready.
      let started = 0;
      await waitFor(
        async () => {
          if (!started && server.spis.video.playback.status().running > 0)
            started = performance.now();
          return server.spis.video.store.has(
            server.spis.library.index.all()[0]?.id ?? '',
            server.spis.library.index.all()[0]?.version ?? '',
          )
            ? true
            : undefined;
        },
        { timeoutMs: 600_000, intervalMs: 20, what: 'the rendition' },
      );
      clearInterval(sampler);
      viaSpis.push((performance.now() - started) / 1000);
    } finally {
      await server.close();
    }
  }
  const firstFrame = await timeToFirstFrame(ctx);
  const bareS = summarize(bare);
  const spisS = summarize(viaSpis);
  return {
    id: 'video',
    title: 'Video playback: transcodes and time to first frame',
    status: 'ok',
    method:
      `A ${SECONDS} s 1920×1080 30 fps HEVC+AAC MOV transcoded to the playable H.264/AAC MP4 (crf 23, veryfast, nice 10), ${rounds} interleaved rounds: ` +
      'the same ffmpeg command run bare, then spis preparing it from a fresh data folder (timed from the queue starting the job to the rendition being in place, polled every 20 ms). ' +
      'Peak RSS is of the process running spis (and this harness) while it transcodes. First frame: headless Chromium, from setting <video src> (or, for a video not prepared yet, from the first /play request) to `loadeddata`.',
    figures: [
      { name: 'bare ffmpeg transcode', unit: 's', summary: bareS },
      { name: 'spis transcode (queue start to rendition ready)', unit: 's', summary: spisS },
      {
        name: 'bare ffmpeg throughput',
        unit: 'video s/s',
        summary: summarize(bare.map((s) => SECONDS / s)),
      },
      {
        name: 'spis throughput',
        unit: 'video s/s',
        summary: summarize(viaSpis.map((s) => SECONDS / s)),
      },
      { name: 'peak RSS while transcoding', unit: 'MiB', summary: summarize([peakRss / 2 ** 20]) },
      {
        name: 'RSS before transcoding',
        unit: 'MiB',
        summary: summarize(rssAtRest.map((b) => b / 2 ** 20)),
      },
      {
        name: 'play → first frame, browser-safe H.264 MP4',
        unit: 'ms',
        summary: summarize(firstFrame.safe),
      },
      {
        name: 'play → first frame, HEVC not yet prepared',
        unit: 'ms',
        summary: summarize(firstFrame.unprepared),
      },
    ],
    ratios: [
      {
        name: 'spis ÷ bare ffmpeg throughput',
        value: round(bareS.median / spisS.median, 2),
        note: 'median of interleaved rounds; 1 means no overhead',
      },
    ],
    targets: [],
  };
}

/** From "play" to the first decoded frame, in a real browser. */
async function timeToFirstFrame(
  ctx: BenchContext,
): Promise<{ safe: number[]; unprepared: number[] }> {
  const media = await ctx.tempDir('video-ttff-');
  await makeFixture(media, 'h264.mp4', 3);
  const rounds = Math.max(2, ctx.repeats);
  for (let i = 0; i < rounds; i++) await hevc1080(media, `fresh${i}.mov`);
  // No background transcodes: only a play request starts one, as for a video nobody prepared.
  const server = await startTestServer({
    media,
    config: { log: { level: 'warn' } },
    deps: { backgroundTranscodes: false },
  });
  const browser = await openBrowser(DESKTOP);
  const safe: number[] = [];
  const unprepared: number[] = [];
  try {
    const items = (await api<MediaPage>(server, '/api/media?limit=100')).body.items;
    await browser.page.goto(`${server.url}/api/status`);
    const measure = (url: string) =>
      browser.page
        .evaluate(`new Promise((resolve, reject) => { const v = document.createElement('video'); v.muted = true; const t0 = performance.now();
        v.onloadeddata = () => resolve(performance.now() - t0); v.onerror = () => reject(new Error('video error')); v.src = ${JSON.stringify(url)}; })`) as Promise<number>;
    const h264 = items.find((item) => item.name === 'h264.mp4')!;
    for (let i = 0; i < rounds; i++) safe.push(await measure(`${h264.playback!.url!}&n=${i}`));
    for (const item of items.filter((entry) => entry.name.startsWith('fresh'))) {
      const started = performance.now();
      await fetch(server.url + item.playback!.url!, { method: 'HEAD' }); // what the lightbox does on open
      await waitFor(
        async () =>
          (await api<MediaPage>(server, '/api/media?limit=100')).body.items.find(
            (e) => e.id === item.id,
          )?.playback?.ready
            ? true
            : undefined,
        {
          timeoutMs: 600_000,
          intervalMs: 50,
          what: 'the rendition',
        },
      );
      await measure(item.playback!.url!);
      unprepared.push(performance.now() - started);
      ctx.log(
        `video: unprepared ${item.name} ready and decoding after ${Math.round(performance.now() - started)} ms`,
      );
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return { safe, unprepared };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const temp = await mkdtemp(path.join(tmpdir(), 'spis-video-bench-'));
  let n = 0;
  const ctx = {
    quick: true,
    repeats: 2,
    repoRoot: process.cwd(),
    corpus: undefined as never,
    soakSeconds: 0,
    tempDir: (prefix: string) => mkdtemp(path.join(temp, `${prefix}${n++}-`)),
    log: (message: string) => process.stderr.write(`${message}\n`),
  } satisfies BenchContext;
  const load0 = loadavg()[0]!;
  try {
    const section = await runVideoBench(ctx);
    process.stdout.write(
      JSON.stringify(
        { ...section, loadAverage: [round(load0, 2), round(loadavg()[0]!, 2)] },
        null,
        1,
      ) + '\n',
    );
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

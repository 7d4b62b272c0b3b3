import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { appendFile, copyFile, open, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { round, summarize } from './lib/stats.js';
import type { BenchContext, Section } from './lib/types.js';

const run = promisify(execFile);

/**
 * Upload throughput over loopback vs `cp` (+ fsync, which spis does too) of the same file,
 * in interleaved rounds, and spis' resident memory sampled every 50 ms while it streams.
 * The video is a real one-second MP4 padded to size (the type is sniffed from its head;
 * every round's file differs in its last bytes, so none is a duplicate).
 * `SPIS_BENCH_UPLOAD_MB` sets the size (default 500, 100 with --quick).
 */
export async function runUploadBench(ctx: BenchContext): Promise<Section> {
  const megabytes = Number(process.env.SPIS_BENCH_UPLOAD_MB ?? (ctx.quick ? 100 : 500));
  const rounds = ctx.quick ? 2 : 3;
  const work = await ctx.tempDir('upload-');
  const media = path.join(work, 'media');
  const data = path.join(work, 'data');
  const video = path.join(work, 'source.mp4');
  await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25',
    '-t',
    '1',
    '-pix_fmt',
    'yuv420p',
    '-y',
    video,
  ]);
  await pad(video, megabytes * 1024 * 1024);
  const bytes = (await stat(video)).size;

  const server = await startSpis(media, data, bytes * 2);
  const cpSeconds: number[] = [];
  const uploadSeconds: number[] = [];
  const rss: { idle: number; peak: number; samples: number[] } = {
    idle: await rssOf(server.pid),
    peak: 0,
    samples: [],
  };
  try {
    for (let r = 0; r < rounds; r++) {
      await appendFile(video, `round-${r}`); // a new file each round, never a duplicate
      const size = (await stat(video)).size;
      const copy = path.join(work, `copy-${r}.mp4`);
      let t0 = performance.now();
      await copyFile(video, copy);
      await fsync(copy);
      cpSeconds.push((performance.now() - t0) / 1000);
      await rm(copy);

      const sampler = setInterval(
        () => void rssOf(server.pid).then((v) => rss.samples.push(v)),
        50,
      );
      t0 = performance.now();
      const status = await upload(`${server.url}/api/uploads?name=round-${r}.mp4`, video, size);
      uploadSeconds.push((performance.now() - t0) / 1000);
      clearInterval(sampler);
      if (status !== 201) throw new Error(`upload answered ${status}`);
      ctx.log(
        `upload: round ${r + 1}/${rounds}: cp ${round(cpSeconds[r]!, 2)} s, upload ${round(uploadSeconds[r]!, 2)} s`,
      );
    }
  } finally {
    server.child.kill('SIGTERM');
  }
  rss.peak = Math.max(...rss.samples);
  const mb = bytes / 1024 / 1024;
  const ratios = cpSeconds.map((cp, i) => cp / uploadSeconds[i]!);
  const ratio = summarize(ratios).median;
  return {
    id: 'upload',
    title: 'Upload throughput',
    status: 'ok',
    method: `${round(mb, 0)} MB video POSTed raw over loopback to a spis child process (stream to a hidden file, SHA-256, fsync, link, index, poster) vs copyFile + fsync of the same file, ${rounds} interleaved rounds; spis RSS sampled every 50 ms while streaming.`,
    figures: [
      {
        name: 'upload throughput',
        unit: 'MB/s',
        summary: summarize(uploadSeconds.map((s) => mb / s)),
      },
      {
        name: 'cp + fsync throughput',
        unit: 'MB/s',
        summary: summarize(cpSeconds.map((s) => mb / s)),
      },
      {
        name: 'spis RSS while streaming (peak)',
        unit: 'MiB',
        summary: summarize([rss.peak / 1024]),
      },
      {
        name: 'spis RSS before the first upload',
        unit: 'MiB',
        summary: summarize([rss.idle / 1024]),
      },
    ],
    ratios: [
      {
        name: 'upload ÷ cp throughput (median of rounds)',
        value: round(ratio, 3),
        note: 'above 0.5 means uploading costs less than twice a local copy',
      },
      {
        name: 'peak RSS ÷ idle RSS',
        value: round(rss.peak / rss.idle, 3),
        note: `flat means no buffering: a ${round(mb, 0)} MB body moved ${round((rss.peak - rss.idle) / 1024, 1)} MiB`,
      },
    ],
    targets: [
      {
        target: 'spis RSS stays flat while an upload streams (no buffering of whole files)',
        met: rss.peak - rss.idle < 64 * 1024,
        measured: `peak ${round(rss.peak / 1024, 1)} MiB vs ${round(rss.idle / 1024, 1)} MiB before, for ${round(mb, 0)} MB bodies`,
      },
    ],
  };
}

async function pad(file: string, size: number): Promise<void> {
  const handle = await open(file, 'a');
  const chunk = Buffer.alloc(8 * 1024 * 1024, 0x5a);
  try {
    let length = (await handle.stat()).size;
    while (length < size) {
      const part = chunk.subarray(0, Math.min(chunk.length, size - length));
      await handle.write(part);
      length += part.length;
    }
  } finally {
    await handle.close();
  }
}

async function fsync(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  await handle.sync();
  await handle.close();
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0); // KiB
}

function upload(url: string, file: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'video/mp4', 'content-length': String(size) },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

async function startSpis(media: string, data: string, maxBytes: number) {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const child = spawn(
    process.execPath,
    [
      'bin/spis.js',
      'serve',
      '--port',
      '0',
      '--log-format',
      'json',
      '--media',
      media,
      '--data',
      data,
      '--uploads',
      '--uploads-max-bytes',
      String(maxBytes),
      '--uploads-min-free-bytes',
      '0',
      '--no-pregenerate',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SPIS_CONFIG: '' } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('spis did not start within 60 s')), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { url?: string; msg?: string };
      if (entry.url && entry.msg?.includes('listening')) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
    child.once('exit', (code) => reject(new Error(`spis exited with ${code}`)));
  });
  return { child, url, pid: child.pid! };
}

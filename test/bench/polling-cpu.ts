/**
 * `node --import tsx test/bench/polling-cpu.ts --files=10000 --seconds=30`: the CPU the
 * polling watcher (`watch.usePolling`, as for a network share) costs on an idle tree of that
 * many files, measured in this process after the watcher is ready. Files are hard links to
 * one small JPEG, in folders of 200 (a polling watcher stats every file, whatever its size).
 */
import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { watchMedia } from '../../server/media/watcher.js';
import { jpegBuffer } from '../helpers/media.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const files = arg('files', 10_000);
const seconds = arg('seconds', 30);

const root = await mkdtemp(path.join(tmpdir(), 'spis-poll-'));
try {
  const media = path.join(root, 'media');
  const jpeg = await jpegBuffer({ width: 16, height: 16 });
  // A file system allows only so many links to one file (ext4: 65,000): one source per 50,000.
  const sourceOf = async (i: number) => {
    const source = path.join(root, `source-${Math.floor(i / 50_000)}.jpg`);
    if (i % 50_000 === 0) await writeFile(source, jpeg);
    return source;
  };
  for (let i = 0; i < files; i++) {
    const folder = path.join(media, `f${Math.floor(i / 200)}`);
    if (i % 200 === 0) await mkdir(folder, { recursive: true });
    await link(await sourceOf(i), path.join(folder, `p${i}.jpg`));
  }
  const t0 = performance.now();
  const watcher = watchMedia(media, {
    settleMs: 300,
    usePolling: true,
    onEvent: () => {},
    onError: (e) => console.error(e.message),
  });
  await watcher.ready;
  const readyS = (performance.now() - t0) / 1000;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - wall0) / 1000;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const rssMiB = process.memoryUsage().rss / 1024 / 1024;
  await watcher.close();
  console.log(
    JSON.stringify({
      files,
      readyS: Math.round(readyS * 10) / 10,
      idleSeconds: Math.round(wallS),
      cpuSeconds: Math.round(cpuS * 100) / 100,
      corePercent: Math.round((cpuS / wallS) * 1000) / 10,
      rssMiB: Math.round(rssMiB),
    }),
  );
} finally {
  await rm(root, { recursive: true, force: true });
}

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { tempDir, waitFor } from '../helpers/spis.js';
import { writeJpeg } from '../helpers/media.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Runs the real CLI as a child process and collects its output. */
function spawnServe(media: string, data: string): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/cli/main.ts', 'serve', '--media', media, '--data', data, '--port', '0', '--log-format', 'json', '--timezone', 'UTC'],
    { cwd: root, env: { ...process.env, SPIS_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

async function jsonFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}

let media: Awaited<ReturnType<typeof tempDir>>;
let data: Awaited<ReturnType<typeof tempDir>>;
let running: ChildProcess | null = null;
before(async () => {
  media = await tempDir('spis-media-');
  data = await tempDir('spis-data-');
  for (let i = 0; i < 24; i++) {
    await writeJpeg(path.join(media.dir, `2023/IMG_${i}.jpg`), { taken: `2023:07:${String(1 + i).padStart(2, '0')} 10:00:00`, color: `#${(i * 9).toString(16).padStart(2, '0')}4080` });
  }
});
after(async () => {
  if (running && running.exitCode === null) running.kill('SIGKILL');
  await media.remove();
  await data.remove();
});

void it('SIGTERM during a burst of requests exits 0 within 10 s and leaves no torn JSON', { timeout: 60_000 }, async () => {
  const { child, output } = spawnServe(media.dir, data.dir);
  running = child;
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  const url = await waitFor(() => /listening on (http:\/\/[^\s"]+)/.exec(output())?.[1], { timeoutMs: 30_000, what: 'listening line' });
  await waitFor(async () => ((await fetch(`${url}/probe/ready`)).status === 200 ? true : undefined), { timeoutMs: 20_000, what: 'ready' });
  const page = (await (await fetch(`${url}/api/media?limit=100`)).json()) as { items: Array<{ id: string }> };
  assert.equal(page.items.length, 24);

  // A burst of reads and mark writes (which rewrite JSON in the data folder), then SIGTERM mid-way.
  let answered = 0;
  let refused = 0;
  const burst = Array.from({ length: 300 }, async (_, n) => {
    const item = page.items[n % page.items.length]!;
    const thumb = n % 3 === 1;
    const request =
      n % 3 === 0
        ? fetch(`${url}/api/media/${item.id}/favorite`, { method: n % 2 ? 'PUT' : 'DELETE' })
        : thumb // renders in flight at SIGTERM must finish, not be cut off
          ? fetch(`${url}/api/media/${item.id}/thumb/large`)
          : fetch(`${url}/api/media?limit=50&order=${n % 2 ? 'asc' : 'desc'}`);
    try {
      const response = await request;
      // A response that started must arrive whole (fetch rejects a body cut short).
      if (thumb) {
        assert.equal(response.status, 200);
        assert.ok((await response.arrayBuffer()).byteLength > 0);
      } else {
        JSON.parse(await response.text());
      }
      answered++;
    } catch (error) {
      // After the listener closed, new connections are refused or reset: that is expected.
      if (!/fetch failed|ECONNREFUSED|ECONNRESET|other side closed|terminated/i.test(String((error as Error).cause ?? error))) throw error;
      refused++;
    }
  });
  await waitFor(() => (answered >= 20 ? true : undefined), { timeoutMs: 20_000, what: 'part of the burst served' });
  const signalled = Date.now();
  child.kill('SIGTERM');
  const { code, at } = await exited;
  await Promise.all(burst);

  assert.equal(code, 0, `exit code 0 expected; output:\n${output().slice(-2000)}`);
  assert.ok(at - signalled < 10_000, `exited ${at - signalled} ms after SIGTERM`);
  assert.ok(answered >= 20 && answered + refused === 300);
  assert.match(output(), /shutting down/);
  const files = await jsonFilesUnder(data.dir);
  assert.ok(files.length > 0, 'the data folder holds JSON state');
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    assert.doesNotThrow(() => JSON.parse(text), `${path.relative(data.dir, file)} parses`);
  }
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { MediaPage } from '../../server/shared/api-types.js';
import { treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { dHash, storedForOrientation, uprightPicture } from '../helpers/thumbs.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

/** Runs the real CLI; resolves with its exit code and output whatever the code. */
async function spis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, SPIS_CONFIG: '' },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

void describe('spis process', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  let out: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let ids: Map<string, string>;
  let digest: Map<string, string>;
  let upright: Buffer;

  before(async () => {
    media = await tempDir('spis-process-media-');
    out = await tempDir('spis-process-out-');
    upright = await uprightPicture(480, 320);
    // Stored sideways with EXIF orientation 6: both paths must turn it upright.
    await writeFile(path.join(media.dir, 'turned.jpg'), await storedForOrientation(upright, 6));
    await sharp(upright).ensureAlpha(0.6).png().toFile(path.join(media.dir, 'clear.png'));
    await writeFile(path.join(media.dir, 'notes.jpg'), 'not an image at all');
    digest = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir, config: { thumbnails: { pregenerate: false } } });
    ids = new Map((await api<MediaPage>(server, '/api/media')).body.items.map((item) => [item.name, item.id]));
  });
  after(async () => {
    await server?.close();
    await media?.remove();
    await out?.remove();
  });

  async function http(route: string): Promise<Buffer> {
    const response = await fetch(server.url + route);
    assert.equal(response.status, 200, route);
    return Buffer.from(await response.arrayBuffer());
  }

  void it('writes named outputs byte-identical to the HTTP route, turned upright', { timeout: 180_000 }, async () => {
    const files = ['turned.jpg', 'clear.png'].map((name) => path.join(media.dir, name));
    const outputs = ['w300.jpg', 'x200.webp', '120x80-q50.avif', 'h100.png'];
    const run = await spis(['process', '--outputs', outputs.join(','), '--out', out.dir, ...files]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /2 of 2 files processed, 8 outputs written/);
    assert.match(run.stderr, /processing .*2\/2/);
    for (const name of ['turned.jpg', 'clear.png']) {
      for (const output of outputs) {
        const written = await readFile(path.join(out.dir, `${path.parse(name).name}.${output}`));
        const served = await http(`/api/media/${ids.get(name)}/${output}`);
        assert.ok(written.equals(served), `${name} ${output}: ${written.length} bytes written, ${served.length} served`);
      }
    }
    const turned = await readFile(path.join(out.dir, 'turned.w300.jpg'));
    assert.deepEqual([(await sharp(turned).metadata()).width, (await sharp(turned).metadata()).height], [300, 200]);
    const distance = (a: bigint, b: bigint) => [...(a ^ b).toString(2)].filter((bit) => bit === '1').length;
    assert.ok(distance(await dHash(turned), await dHash(upright)) <= 6, 'EXIF orientation applied');
  });

  void it('takes a query with RIAPI and Nano names, like /image', { timeout: 120_000 }, async () => {
    const query = 'width=200&height=200&mode=pad&bgcolor=00ff00&filter=bw&to=webp&quality=60';
    const run = await spis(['process', '--query', query, '--out', path.join(out.dir, 'q'), path.join(media.dir, 'turned.jpg')]);
    assert.equal(run.code, 0, run.stderr);
    const written = await readFile(path.join(out.dir, 'q', 'turned.webp'));
    assert.ok(written.equals(await http(`/api/media/${ids.get('turned.jpg')}/image?${query}`)));
  });

  void it('reports each bad file, still writes the good ones, and exits 1', { timeout: 120_000 }, async () => {
    const target = path.join(out.dir, 'mixed');
    const run = await spis(['process', '--outputs', 'w64.jpg', '--out', target, path.join(media.dir, 'notes.jpg'), path.join(media.dir, 'missing.jpg'), path.join(media.dir, 'clear.png')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /spis process: .*notes\.jpg: unsupported content/);
    assert.match(run.stderr, /spis process: .*missing\.jpg: not a readable file/);
    assert.match(run.stdout, /1 of 3 files processed, 1 outputs written/);
    assert.deepEqual(await readdir(target), ['clear.w64.jpg']);
  });

  void it('refuses bad parameters before reading any file, with exit code 2', { timeout: 120_000 }, async () => {
    const file = path.join(media.dir, 'clear.png');
    const cases: Array<[string[], RegExp]> = [
      [['--outputs', 'w300.bmp'], /--outputs: "w300\.bmp" is not an output name/],
      [['--outputs', 'w0.jpg'], /--outputs\.w0\.jpg: w: expected an integer from 1 to 4096/],
      [['--query', 'w=300&sepia=1'], /--query: sepia: expected a supported parameter/],
      [['--query', 'w=1', '--outputs', 'w1.jpg'], /give either --outputs or --query/],
    ];
    for (const [args, message] of cases) {
      const run = await spis(['process', ...args, '--out', path.join(out.dir, 'never'), file]);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
    }
    assert.ok(!(await readdir(out.dir)).includes('never'));
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
  });
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { ApiError, ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { addUser, as, login, type Session } from '../helpers/auth.js';
import { treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { uprightPicture } from '../helpers/thumbs.js';

interface BatchAnswer {
  outputs: Array<{ name: string; url: string; type: string; width: number; height: number; size: number }>;
}

void describe('batch outputs and srcset', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let item: ApiItem;
  let admin: Session;
  let viewer: Session;
  let digest: Map<string, string>;

  before(async () => {
    media = await tempDir('spis-batch-');
    await sharp(await uprightPicture(1200, 800)).jpeg().toFile(path.join(media.dir, 'wide.jpg'));
    digest = await treeDigest(media.dir);
    server = await startTestServer({
      media: media.dir,
      config: { thumbnails: { pregenerate: false }, transforms: { maxBatchOutputs: 4, maxBatchPixels: 1_000_000 } },
    });
    await addUser(server, 'ann', 'admin');
    await addUser(server, 'vic', 'viewer');
    admin = await login(server, 'ann');
    viewer = await login(server, 'vic');
    item = (await api<MediaPage>(server, '/api/media', { headers: as(admin) })).body.items[0]!;
  });
  after(async () => {
    await server?.close();
    await media?.remove();
  });

  const post = (body: unknown, session: Session | null = admin, headers: Record<string, string> = {}) =>
    api<BatchAnswer & ApiError>(server, `/api/media/${item.id}/outputs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(session ? as(session) : {}), ...headers },
      body: JSON.stringify(body),
    });

  void it('renders every output and returns URLs that serve the same bytes from the cache', async () => {
    const answer = await post({ outputs: ['w300.jpg', 'x200.webp', '300x200-q50.avif', 'w=150&format=png&filter=bw'] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const sizes = answer.body.outputs.map((o) => [o.name, o.type, o.width, o.height]);
    assert.deepEqual(sizes, [
      ['w300.jpg', 'image/jpeg', 300, 200],
      ['x200.webp', 'image/webp', 200, 200],
      ['300x200-q50.avif', 'image/avif', 300, 200],
      ['w=150&format=png&filter=bw', 'image/png', 150, 100],
    ]);
    const renders = server.spis.thumbs.transforms.renders;
    for (const output of answer.body.outputs) {
      assert.ok(output.url.startsWith(`/api/media/${item.id}/`) && output.url.endsWith(`v=${item.version}`), output.url);
      const response = await fetch(server.url + output.url, { headers: as(viewer) });
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, 200, output.url);
      assert.equal(body.length, output.size, output.url);
      assert.equal(response.headers.get('content-type'), output.type);
    }
    assert.equal(server.spis.thumbs.transforms.renders, renders, 'the returned URLs were served without rendering again');
  });

  void it('bounds the count and the total pixels before rendering anything', async () => {
    const renders = server.spis.thumbs.transforms.renders;
    const many = await post({ outputs: ['w10.jpg', 'w11.jpg', 'w12.jpg', 'w13.jpg', 'w14.jpg'] });
    assert.equal(many.status, 400);
    assert.match(many.body.error.message, /^outputs: expected at most 4 outputs, got 5/);
    // 1000×667 + 1000×1000 > 1 MP; the small one first must not be rendered either.
    const big = await post({ outputs: ['w20.jpg', 'w1000.jpg', 'x1000.webp'] });
    assert.equal(big.status, 413);
    assert.match(big.body.error.message, /add up to 1\.7 megapixels; one request may render at most 1\.0/);
    const bad = await post({ outputs: ['w300.jpg', 'w300.bmp'] });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^outputs\[1\]: expected an output name/);
    const auto = await post({ outputs: ['w=100'] });
    assert.equal(auto.status, 400);
    assert.match(auto.body.error.message, /^outputs\[0\]: expected a format/);
    assert.equal((await post({ outputs: [] })).status, 400);
    assert.equal((await post({ outputs: ['w=10&format=png&sig=x'] })).status, 400);
    assert.equal((await post({ outputs: ['w10.jpg'], extra: 1 })).status, 400);
    assert.equal(server.spis.thumbs.transforms.renders, renders);
  });

  void it('checks access and CSRF like every other POST', async () => {
    assert.equal((await post({ outputs: ['w100.jpg'] }, null)).status, 401);
    assert.equal((await post({ outputs: ['w100.jpg'] }, null, { cookie: admin.cookie })).status, 403, 'a cookie without the CSRF header');
    assert.equal((await post({ outputs: ['w100.jpg'] }, viewer)).status, 200, 'a viewer may read any transform of what it sees');
    const missing = await api(server, `/api/media/AAAAAAAAAAAAAAAA/outputs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...as(admin) },
      body: JSON.stringify({ outputs: ['w100.jpg'] }),
    });
    assert.equal(missing.status, 404);
  });

  void it('lists a srcset in the item JSON whose widths are served as described', async () => {
    const srcset = item.thumbs.srcset ?? '';
    const entries = srcset.split(', ').map((entry) => entry.split(' '));
    assert.deepEqual(entries.map(([, width]) => width), ['320w', '640w', '960w', '1200w']);
    for (const [url, width] of entries) {
      const response = await fetch(server.url + url!, { headers: { ...as(viewer), accept: 'image/webp' } });
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      assert.equal(`${meta.width}w`, width, url);
      assert.equal(meta.format, 'webp');
    }
    const detail = await api<ApiItem>(server, `/api/media/${item.id}`, { headers: as(viewer) });
    assert.equal(detail.body.thumbs.srcset, srcset);
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
  });
});

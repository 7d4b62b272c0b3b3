import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { dHash, hammingDistance, storedForOrientation, uprightPicture } from '../helpers/thumbs.js';
import { treeDigest } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

/** EXIF orientations 1–8, mirrored ones included, for a landscape and a portrait picture. */
const shapes = { landscape: [600, 400], portrait: [300, 450] } as const;
const orientations = [1, 2, 3, 4, 5, 6, 7, 8];

void describe('thumbnails apply EXIF orientation', () => {
  let server: TestServer;
  const upright = new Map<string, Buffer>();
  let digest: Map<string, string>;

  let media: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    // Written before the server starts: indexing begins as soon as it listens.
    media = await tempDir('spis-orient-');
    for (const [shape, [width, height]] of Object.entries(shapes)) {
      const picture = await uprightPicture(width, height);
      upright.set(shape, picture);
      for (const orientation of orientations) {
        await writeFile(path.join(media.dir, `${shape}-${orientation}.jpg`), await storedForOrientation(picture, orientation));
      }
    }
    digest = await treeDigest(media.dir);
    server = await startTestServer({ media: media.dir, config: { thumbnails: { pregenerate: false } } });
  });
  after(async () => {
    await server?.close();
    await media?.remove();
  });

  void it('every orientation looks like the upright picture, at the right size', async () => {
    const { body } = await api<MediaPage>(server, '/api/media?limit=100');
    assert.equal(body.items.length, 16);
    const failures: string[] = [];
    for (const item of body.items) {
      const shape = item.name.startsWith('landscape') ? 'landscape' : 'portrait';
      const [width, height] = shapes[shape];
      assert.deepEqual([item.width, item.height], [width, height], `${item.name} display size`);
      const reference = await dHash(upright.get(shape)!);
      for (const size of ['small', 'large'] as const) {
        const thumb = await fetchThumb(server, item, size);
        const meta = await sharp(thumb).metadata();
        const scale = size === 'small' ? Math.min(1, 400 / Math.max(width, height)) : 1;
        assert.ok(Math.abs(meta.width! - width * scale) <= 1 && Math.abs(meta.height! - height * scale) <= 1,
          `${item.name} ${size}: ${meta.width}×${meta.height}, expected about ${width * scale}×${height * scale}`);
        assert.equal(meta.orientation, undefined, 'orientation tag stripped');
        const distance = hammingDistance(reference, await dHash(thumb));
        if (distance > 8) failures.push(`${item.name} ${size}: dHash distance ${distance}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  void it('a wrongly oriented picture would be caught (the comparison can fail)', async () => {
    const picture = upright.get('landscape')!;
    const mirrored = await sharp(picture).flop().png().toBuffer();
    const rotated = await sharp(picture).rotate(180).png().toBuffer();
    const flipped = await sharp(picture).flip().png().toBuffer();
    const turned = await sharp(picture).rotate(90).png().toBuffer();
    for (const wrong of [mirrored, rotated, flipped, turned]) {
      assert.ok(hammingDistance(await dHash(picture), await dHash(wrong)) > 16);
    }
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(server.media), digest);
  });
});

async function fetchThumb(server: TestServer, item: ApiItem, size: 'small' | 'large'): Promise<Buffer> {
  const response = await fetch(server.url + item.thumbs[size], { headers: { accept: 'image/webp,*/*' } });
  assert.equal(response.status, 200, `${item.name} ${size}`);
  assert.equal(response.headers.get('content-type'), 'image/webp');
  return Buffer.from(await response.arrayBuffer());
}

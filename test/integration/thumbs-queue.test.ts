import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MediaPage } from '../../server/shared/api-types.js';
import { jpegBuffer } from '../helpers/media.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

const ITEMS = 240;

void describe('thumbnail requests jump the pre-generation queue', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };

  before(async () => {
    media = await tempDir('spis-queue-');
    // Big enough that every background render takes a few milliseconds on one slot.
    const pixels = await jpegBuffer({ width: 1600, height: 1200, color: '#6a8' });
    await mkdir(path.join(media.dir, 'year'));
    for (let i = 0; i < ITEMS; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      const month = String(Math.floor(i / 28) + 1).padStart(2, '0');
      // The date in the name orders them; trailing bytes make each file its own content.
      await writeFile(path.join(media.dir, 'year', `IMG_2020${month}${day}_120000_${i}.jpg`), Buffer.concat([pixels, Buffer.from(`#${i}`)]));
    }
    server = await startTestServer({ media: media.dir, config: { thumbnails: { concurrency: 1 } } });
  });
  after(async () => {
    await server?.close();
    await media?.remove();
  });

  void it('renders the oldest item on request while the newest-first background queue is still long', async () => {
    const queue = server.spis.thumbs.queue;
    assert.ok(queue.status().queued > ITEMS / 2, `pre-generation has barely begun (${JSON.stringify(queue.status())})`);
    const oldest = (await api<MediaPage>(server, '/api/media?order=asc&limit=1')).body.items[0]!;
    const response = await fetch(`${server.url}${oldest.thumbs.small}`, { headers: { accept: 'image/webp' } });
    assert.equal(response.status, 200);
    assert.ok((await response.arrayBuffer()).byteLength > 0);
    // Newest first, the oldest item would have been the last one rendered in the background.
    const left = queue.status().queued;
    assert.ok(left > ITEMS / 4, `answered before the background work drained: ${left} still queued`);
    await queue.idle();
    assert.equal(queue.status().failed, 0);
  });
});

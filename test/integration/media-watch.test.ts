import assert from 'node:assert/strict';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiItem, MediaPage } from '../../server/shared/api-types.js';
import { jpegBuffer, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

describe('watching the media folder', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let source: { dir: string; remove: () => Promise<void> };

  before(async () => {
    media = await tempDir('spis-media-');
    source = await tempDir('spis-source-');
    await writeJpeg(path.join(media.dir, 'existing.jpg'), { taken: '2020:01:01 10:00:00', offset: '+00:00' });
    server = await startTestServer({ media: media.dir });
  });
  after(async () => {
    await server.close();
    await media.remove();
    await source.remove();
  });

  const byPath = async (rel: string) => {
    const { body } = await api<MediaPage>(server, '/api/media?limit=500');
    return body.items.find((i) => i.path === rel);
  };
  const gone = async (rel: string) => ((await byPath(rel)) ? undefined : true);

  it('shows a file copied into a nested folder within 2 seconds', async () => {
    const original = await writeJpeg(path.join(source.dir, 'new.jpg'), { taken: '2024:02:02 12:00:00', offset: '+01:00', color: '#abcdef' });
    await mkdir(path.join(media.dir, 'a', 'b', 'c'), { recursive: true });
    await copyFile(original, path.join(media.dir, 'a', 'b', 'c', 'new.jpg'));
    const item = await waitFor(() => byPath('a/b/c/new.jpg'), { timeoutMs: 2000, what: 'the copied file in /api/media' });
    assert.equal(item.takenAt, '2024-02-02T12:00:00+01:00');
  });

  it('removes a deleted file', async () => {
    await writeJpeg(path.join(media.dir, 'doomed.jpg'), { color: '#123456' });
    await waitFor(() => byPath('doomed.jpg'), { timeoutMs: 2000, what: 'doomed.jpg to appear' });
    await rm(path.join(media.dir, 'doomed.jpg'));
    await waitFor(() => gone('doomed.jpg'), { timeoutMs: 2000, what: 'doomed.jpg to disappear' });
  });

  it('keeps the favorite of a file that is moved and renamed', async () => {
    await writeJpeg(path.join(media.dir, 'old', 'fav.jpg'), { taken: '2021:01:01 01:01:01', color: '#fedcba' });
    const item = await waitFor(() => byPath('old/fav.jpg'), { timeoutMs: 2000, what: 'fav.jpg' });
    assert.equal((await api<ApiItem>(server, `/api/media/${item.id}/favorite`, { method: 'PUT' })).body.favorite, true);
    await mkdir(path.join(media.dir, 'new'), { recursive: true });
    await rename(path.join(media.dir, 'old', 'fav.jpg'), path.join(media.dir, 'new', 'renamed.jpg'));
    const moved = await waitFor(() => byPath('new/renamed.jpg'), { timeoutMs: 2000, what: 'the moved file' });
    assert.equal(moved.favorite, true);
    await waitFor(() => gone('old/fav.jpg'), { timeoutMs: 2000, what: 'the old path to disappear' });
    const favorites = await api<MediaPage>(server, '/api/media?favorite=true');
    assert.deepEqual(favorites.body.items.map((i) => i.path), ['new/renamed.jpg']);
  });

  it('updates an item whose file changes in place, keeping its marks', async () => {
    const target = path.join(media.dir, 'edited.jpg');
    await writeJpeg(target, { taken: '2018:08:08 08:08:08', color: '#0000aa' });
    const first = await waitFor(() => byPath('edited.jpg'), { timeoutMs: 2000, what: 'edited.jpg' });
    await api(server, `/api/media/${first.id}/favorite`, { method: 'PUT' });
    await writeFile(target, await jpegBuffer({ taken: '2019:09:09 09:09:09', color: '#00aa00', width: 90 }));
    const second = await waitFor(
      async () => {
        const found = await byPath('edited.jpg');
        return found && found.version !== first.version ? found : undefined;
      },
      { timeoutMs: 2000, what: 'the new version' },
    );
    assert.equal(second.id, first.id);
    assert.equal(second.width, 90);
    assert.equal(second.favorite, true);
    assert.notEqual(second.thumbs.small, first.thumbs.small);
  });

  it('follows folders moved in and removed', async () => {
    const outside = path.join(source.dir, 'album');
    await writeJpeg(path.join(outside, 'one.jpg'), { color: '#010101' });
    await writeJpeg(path.join(outside, 'deep', 'two.jpg'), { color: '#020202' });
    await rename(outside, path.join(media.dir, 'album'));
    await waitFor(() => byPath('album/deep/two.jpg'), { timeoutMs: 2000, what: 'files of a moved-in folder' });
    assert.ok(await byPath('album/one.jpg'));
    await rm(path.join(media.dir, 'album'), { recursive: true });
    await waitFor(() => gone('album/one.jpg'), { timeoutMs: 2000, what: 'the removed folder' });
    await waitFor(() => gone('album/deep/two.jpg'), { timeoutMs: 2000, what: 'the removed subfolder' });
  });
});

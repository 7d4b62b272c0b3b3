import assert from 'node:assert/strict';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type {
  ApiItem,
  FolderNode,
  MediaPage,
  ServerMessage,
  TimelineBucket,
} from '../../server/shared/api-types.js';
import { addUser, as, cookieOf, login, type Session } from '../helpers/auth.js';
import { makeLiveClip, writeLivePhoto } from '../helpers/live-photo.js';
import { treeDigest, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';
import { connectEvents, type EventClient } from '../helpers/ws-client.js';

interface Status {
  items: { total: number; images: number; videos: number };
}

describe('Live Photos: a still and its short clip are one item', () => {
  let media: { dir: string; remove: () => Promise<void> };
  let data: { dir: string; remove: () => Promise<void> };
  let work: { dir: string; remove: () => Promise<void> };
  let server: TestServer;
  let events: EventClient;
  let shortClip: string;

  before(async () => {
    media = await tempDir('spis-media-');
    data = await tempDir('spis-data-');
    work = await tempDir('spis-work-');
    shortClip = await makeLiveClip(path.join(work.dir, 'short.mov'));
    const longClip = await makeLiveClip(path.join(work.dir, 'long.mov'), { seconds: 7 });
    await writeLivePhoto(path.join(media.dir, 'trip'), 'IMG_0001', shortClip);
    // Extensions in lower case: still paired.
    await writeLivePhoto(path.join(media.dir, 'trip'), 'IMG_0003', shortClip, {
      stillExt: 'jpg',
      clipExt: 'mov',
    });
    // A 7-s video beside a photo of the same name is a real video, not a Live Photo's motion.
    await writeLivePhoto(path.join(media.dir, 'trip'), 'beach', longClip);
    // A short clip alone is a video like any other.
    await copyFile(shortClip, path.join(media.dir, 'trip', 'alone.mov'));
    server = await startTestServer({ media: media.dir, data: data.dir });
    events = await connectEvents(server.url);
  });
  after(async () => {
    events?.ws.close();
    await server?.close();
    await media.remove();
    await data.remove();
    await work.remove();
  });

  const list = async () => (await api<MediaPage>(server, '/api/media?limit=500')).body.items;
  const paths = async () => (await list()).map((i) => i.path).sort();

  it('lists the still with livePhoto and hides the clip from listings and counts', async () => {
    const digest = await treeDigest(media.dir);
    const items = await list();
    assert.deepEqual(items.map((i) => i.path).sort(), [
      'trip/IMG_0001.JPG',
      'trip/IMG_0003.jpg',
      'trip/alone.mov',
      'trip/beach.JPG',
      'trip/beach.MOV',
    ]);
    const still = items.find((i) => i.path === 'trip/IMG_0001.JPG')!;
    assert.ok(still.livePhoto, 'the still carries its motion');
    assert.ok(
      Math.abs(still.livePhoto.durationMs - 2000) < 200,
      `durationMs ${still.livePhoto.durationMs}`,
    );
    // A browser-safe clip: its playback URL serves the original bytes.
    assert.match(still.livePhoto.url, new RegExp(`^/api/media/${still.livePhoto.id}/play\\?v=`));
    assert.ok(items.find((i) => i.path === 'trip/IMG_0003.jpg')!.livePhoto);
    assert.equal(items.find((i) => i.path === 'trip/beach.JPG')!.livePhoto, null);
    assert.equal(items.find((i) => i.path === 'trip/alone.mov')!.livePhoto, null);

    // The clip itself is still served (original and poster), just not listed.
    const clip = await fetch(server.url + still.livePhoto.url);
    assert.equal(clip.status, 200);
    assert.equal(
      Buffer.from(await clip.arrayBuffer()).length,
      (await import('node:fs')).statSync(shortClip).size,
    );
    assert.equal(
      (await fetch(`${server.url}/api/media/${still.livePhoto.id}/thumb/small`)).status,
      200,
    );

    const status = (await api<Status>(server, '/api/status')).body;
    assert.deepEqual(
      { total: status.items.total, images: status.items.images, videos: status.items.videos },
      { total: 5, images: 3, videos: 2 },
    );
    const timeline = (await api<TimelineBucket[]>(server, '/api/timeline')).body;
    assert.equal(
      timeline.reduce((sum, b) => sum + b.count, 0),
      5,
    );
    const folders = (await api<FolderNode>(server, '/api/folders')).body;
    assert.equal(folders.count, 5);
    assert.equal(folders.children.find((f) => f.name === 'trip')!.count, 5);
    assert.equal((await api<MediaPage>(server, '/api/media?type=video')).body.items.length, 2);
    assert.deepEqual(await treeDigest(media.dir), digest, 'the media folder is untouched');
  });

  it('pairs a clip added after its still live: the still is updated, the clip never announced', async () => {
    const dir = path.join(media.dir, 'trip');
    await writeJpeg(path.join(dir, 'IMG_0002.JPG'), {
      taken: '2022:05:06 09:10:00',
      offset: '+02:00',
      color: '#225588',
    });
    const added = (await events.next(
      isAdded('trip/IMG_0002.JPG'),
      5000,
      'the still added',
    )) as Added;
    assert.equal(added.item.livePhoto, null);
    await copyFile(shortClip, path.join(dir, 'IMG_0002.MOV'));
    const updated = (await events.next(
      (m) => m.type === 'media.updated' && m.item.id === added.item.id && m.item.livePhoto !== null,
      5000,
      'the still updated with its motion',
    )) as Updated;
    assert.ok(updated.item.livePhoto);
    // Events are ordered: once a later file is announced, a clip announcement would have come before it.
    await writeJpeg(path.join(dir, 'marker.jpg'), { color: '#333333' });
    await events.next(isAdded('trip/marker.jpg'), 5000, 'the marker file');
    assert.equal(
      events.messages.filter(isAdded('trip/IMG_0002.MOV')).length,
      0,
      'no media.added for the clip',
    );
    assert.ok(!(await paths()).includes('trip/IMG_0002.MOV'));
  });

  it('hides a clip that was listed once its still arrives', async () => {
    const dir = path.join(media.dir, 'late');
    await mkdir(dir);
    await copyFile(shortClip, path.join(dir, 'tmp.MOV')); // the clip first, as a copy may deliver it
    const clipAdded = (await events.next(isAdded('late/tmp.MOV'), 5000, 'the lone clip')) as Added;
    await writeJpeg(path.join(dir, 'tmp.JPG'), { color: '#556677' });
    const stillAdded = (await events.next(isAdded('late/tmp.JPG'), 5000, 'the still')) as Added;
    assert.equal(stillAdded.item.livePhoto?.id, clipAdded.item.id);
    await events.next(
      (m) => m.type === 'media.removed' && m.id === clipAdded.item.id,
      5000,
      'the clip removed from listings',
    );
    assert.ok(!(await paths()).includes('late/tmp.MOV'));
  });

  it('makes the clip a normal video again when its still is removed', async () => {
    const still = (await list()).find((i) => i.path === 'trip/IMG_0001.JPG')!;
    await rm(path.join(media.dir, 'trip', 'IMG_0001.JPG'));
    await events.next(
      (m) => m.type === 'media.removed' && m.id === still.id,
      5000,
      'the still removed',
    );
    const back = (await events.next(
      isAdded('trip/IMG_0001.MOV'),
      5000,
      'the clip listed again',
    )) as Added;
    assert.equal(back.item.id, still.livePhoto!.id);
    assert.equal(back.item.type, 'video');
    assert.ok((await paths()).includes('trip/IMG_0001.MOV'));
  });

  it('keeps the pairing across a restart from the snapshot', async () => {
    const before = await list();
    events.ws.close();
    await server.close();
    server = await startTestServer({ media: media.dir, data: data.dir });
    events = await connectEvents(server.url);
    const afterRestart = await list();
    const summary = (items: ApiItem[]) =>
      items.map((i) => [i.path, i.livePhoto?.id ?? null]).sort();
    assert.deepEqual(summary(afterRestart), summary(before));
    assert.ok(afterRestart.find((i) => i.path === 'trip/IMG_0002.JPG')!.livePhoto);
    assert.ok(server.logs.some((line) => String(line.msg).includes('loaded from the snapshot')));
  });
});

type Added = Extract<ServerMessage, { type: 'media.added' }>;
type Updated = Extract<ServerMessage, { type: 'media.updated' }>;
const isAdded = (rel: string) => (m: ServerMessage) =>
  m.type === 'media.added' && m.item.path === rel;

describe('Live Photos under share links: the clip is visible exactly when its still is', () => {
  let server: TestServer;
  let work: { dir: string; remove: () => Promise<void> };
  let admin: Session;

  before(async () => {
    work = await tempDir('spis-work-');
    server = await startTestServer();
    await writeLivePhoto(
      server.media,
      'IMG_0001',
      await makeLiveClip(path.join(work.dir, 'clip.mov')),
    );
    await writeJpeg(path.join(server.media, 'other.jpg'), { color: '#999999' });
    const library = server.spis.library;
    await waitFor(
      () =>
        library.index.size === 2 &&
        [...library.index.all()].some((r) => library.livePhotos.of(r.id))
          ? true
          : undefined,
      {
        what: 'the pair and the other photo indexed',
      },
    );
    await addUser(server, 'ann', 'admin');
    admin = await login(server, 'ann');
  });
  after(async () => {
    await server?.close();
    await work?.remove();
  });

  async function shareOf(id: string): Promise<Record<string, string>> {
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(server.url + url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const created = (await (await post('/api/shares', { items: [id] }, as(admin))).json()) as {
      token: string;
    };
    const session = await post(`/api/shares/${created.token}/session`, {});
    assert.equal(session.status, 200);
    return { cookie: cookieOf(session, 'spis_share') };
  }

  it('serves the clip to a share of its still and to no other share', async () => {
    const items = (await api<MediaPage>(server, '/api/media', { headers: as(admin) })).body.items;
    const still = items.find((i) => i.path === 'IMG_0001.JPG')!;
    const other = items.find((i) => i.path === 'other.jpg')!;
    assert.ok(still.livePhoto);
    const clipRoutes = [
      `/api/media/${still.livePhoto.id}/original`,
      `/api/media/${still.livePhoto.id}/thumb/small`,
    ];
    const mine = await shareOf(still.id);
    const page = await api<MediaPage>(server, '/api/media', { headers: mine });
    assert.deepEqual(
      page.body.items.map((i) => i.livePhoto?.id),
      [still.livePhoto.id],
    );
    for (const route of clipRoutes)
      assert.equal((await fetch(server.url + route, { headers: mine })).status, 200, route);
    const theirs = await shareOf(other.id);
    for (const route of clipRoutes)
      assert.equal((await fetch(server.url + route, { headers: theirs })).status, 404, route);
  });
});

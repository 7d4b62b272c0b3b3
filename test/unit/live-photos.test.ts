import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePair, LivePhotos, pairKey } from '../../server/media/live-photos.js';
import { MediaIndex, type Marks } from '../../server/media/media-index.js';
import type { MediaRecord } from '../../server/media/record.js';
import { mediaRecord } from '../helpers/records.js';

function record(path: string, durationMs: number | null = null): MediaRecord {
  const video = /\.(mov|mp4)$/i.test(path);
  return {
    ...mediaRecord(0, { path, takenAtMs: 1000, fingerprint: `fp-${path}`, version: 'v1' }),
    id: `id-${path}`,
    type: video ? 'video' : 'image',
    mime: video ? 'video/quicktime' : 'image/jpeg',
    durationMs: video ? durationMs : null,
  };
}

const noMarks = (): Marks => ({ favorite: false, archived: false });
const listed = (index: MediaIndex) =>
  index
    .page({ archived: false }, noMarks, 'asc', 100, null)
    .records.map((r) => r.path)
    .sort();

describe('Live Photo pairing rule', () => {
  it('keys by folder and base name; only the extension may differ in case', () => {
    assert.equal(pairKey('a/IMG_0001.HEIC'), pairKey('a/IMG_0001.mov'));
    assert.notEqual(pairKey('a/IMG_0001.HEIC'), pairKey('b/IMG_0001.MOV'));
    assert.notEqual(pairKey('a/IMG_0001.HEIC'), pairKey('a/img_0001.mov'));
  });

  it('pairs a still with a short MOV/MP4 only, preferring the camera HEIC over an exported JPEG', () => {
    assert.equal(choosePair([record('a/x.jpg'), record('a/x.mov', 2500)])?.clip.path, 'a/x.mov');
    assert.equal(
      choosePair([record('a/x.jpg'), record('a/x.mov', 7000)]),
      null,
      'a long video stays a video',
    );
    assert.equal(
      choosePair([record('a/x.jpg'), record('a/x.mov', null)]),
      null,
      'unknown duration: not paired',
    );
    assert.equal(choosePair([record('a/x.mov', 2000)]), null);
    assert.equal(
      choosePair([record('a/x.JPG'), record('a/x.HEIC'), record('a/x.MOV', 2000)])?.still.path,
      'a/x.HEIC',
    );
  });
});

describe('LivePhotos over a MediaIndex', () => {
  it('hides the clip, lists it again when the still goes, and reports each change once', () => {
    const index = new MediaIndex();
    const live = new LivePhotos(index);
    index.load([record('a/x.jpg'), record('a/y.jpg')]);
    live.rebuild();
    index.upsert(record('a/x.MOV', 2000));
    const paired = live.update('a/x.MOV');
    assert.deepEqual(paired, {
      stillsChanged: ['id-a/x.jpg'],
      clipsHidden: ['id-a/x.MOV'],
      clipsShown: [],
    });
    assert.deepEqual(live.of('id-a/x.jpg'), {
      id: 'id-a/x.MOV',
      url: '/api/media/id-a/x.MOV/play?v=v1',
      durationMs: 2000,
    });
    assert.deepEqual(listed(index), ['a/x.jpg', 'a/y.jpg']);
    assert.equal(index.size, 2);
    assert.equal(index.ownerOf('id-a/x.MOV'), 'id-a/x.jpg');
    assert.deepEqual(
      live.update('a/x.MOV'),
      { stillsChanged: [], clipsHidden: [], clipsShown: [] },
      'nothing new',
    );

    index.removePath('a/x.jpg');
    assert.deepEqual(live.update('a/x.jpg'), {
      stillsChanged: [],
      clipsHidden: [],
      clipsShown: ['id-a/x.MOV'],
    });
    assert.equal(live.of('id-a/x.jpg'), null);
    assert.deepEqual(listed(index), ['a/x.MOV', 'a/y.jpg']);
    assert.equal(index.ownerOf('id-a/x.MOV'), undefined);
  });

  it('rebuilds the same pairs from a loaded index (a restart)', () => {
    const index = new MediaIndex();
    const live = new LivePhotos(index);
    index.load([
      record('a/x.heic'),
      record('a/x.mov', 1500),
      record('b/x.mov', 1500),
      record('a/long.jpg'),
      record('a/long.mp4', 60_000),
    ]);
    live.rebuild();
    assert.deepEqual(listed(index), ['a/long.jpg', 'a/long.mp4', 'a/x.heic', 'b/x.mov']);
    assert.equal(live.of('id-a/x.heic')?.id, 'id-a/x.mov');
    const timeline = index.timeline({ archived: false }, noMarks);
    assert.equal(timeline[0]!.count, 4);
    assert.equal(index.folders({ archived: false }, noMarks).count, 4);
  });

  it('a re-indexed clip that grew past the limit is a video again', () => {
    const index = new MediaIndex();
    const live = new LivePhotos(index);
    index.load([record('a/x.jpg'), record('a/x.mov', 2000)]);
    live.rebuild();
    index.upsert(record('a/x.mov', 9000));
    assert.deepEqual(live.update('a/x.mov'), {
      stillsChanged: ['id-a/x.jpg'],
      clipsHidden: [],
      clipsShown: ['id-a/x.mov'],
    });
    assert.deepEqual(listed(index), ['a/x.jpg', 'a/x.mov']);
  });
});

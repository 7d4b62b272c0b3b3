import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProbe } from '../../server/media/video-probe.js';
import { etagListMatches } from '../../server/api/conditional.js';

void describe('ffprobe output', () => {
  void it('reads size, duration and creation time', () => {
    const json = JSON.stringify({
      streams: [{ codec_type: 'audio' }, { codec_type: 'video', width: 1920, height: 1080 }],
      format: { duration: '12.345', tags: { creation_time: '2023-07-14T16:22:05.000000Z' } },
    });
    assert.deepEqual(parseProbe(json), {
      width: 1920, height: 1080, durationMs: 12345, createdMs: Date.UTC(2023, 6, 14, 16, 22, 5), streams: 'v1||||||0|12345',
    });
  });

  void it('swaps sides for rotated phone videos and prefers Apple’s local creation date', () => {
    const json = JSON.stringify({
      streams: [{ codec_type: 'video', width: 1920, height: 1080, side_data_list: [{ rotation: -90 }] }],
      format: { duration: '3', tags: { 'com.apple.quicktime.creationdate': '2023-07-14T18:22:05+0200', creation_time: '2023-07-14T16:22:06Z' } },
    });
    const facts = parseProbe(json)!;
    assert.deepEqual([facts.width, facts.height], [1080, 1920]);
    assert.equal(facts.createdMs, Date.UTC(2023, 6, 14, 16, 22, 5));
  });

  void it('ignores camera clocks that were never set, and junk', () => {
    const json = JSON.stringify({ streams: [], format: { duration: 'N/A', tags: { creation_time: '1970-01-01T00:00:00Z' } } });
    assert.deepEqual(parseProbe(json), { width: null, height: null, durationMs: null, createdMs: null, streams: 'v1||||||0|' });
    assert.equal(parseProbe('not json'), null);
  });
});

void describe('If-None-Match comparison', () => {
  void it('matches lists, weak tags and the wildcard', () => {
    assert.ok(etagListMatches('"a", "b"', '"b"'));
    assert.ok(etagListMatches('W/"b"', '"b"'));
    assert.ok(etagListMatches('*', '"x"'));
    assert.ok(!etagListMatches('"a"', '"b"'));
    assert.ok(!etagListMatches('"a"', ''));
  });
});

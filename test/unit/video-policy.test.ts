import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidePlayback, isBrowserSafe } from '../../server/video/playback-policy.js';
import { progressSeconds, renditionArgs } from '../../server/video/rendition-args.js';
import {
  bitDepth,
  decodeStreamFacts,
  encodeStreamFacts,
  streamFactsFromProbe,
  type StreamFacts,
} from '../../server/video/stream-facts.js';

const facts = (
  video: Partial<NonNullable<StreamFacts['video']>> | null,
  audio: string | null = 'aac',
  durationMs: number | null = 2000,
): StreamFacts => ({
  container: 'mov,mp4,m4a,3gp,3g2,mj2',
  video: video && { codec: 'h264', profile: 'High', pixFmt: 'yuv420p', ...video },
  audio,
  rotation: 0,
  durationMs,
});

void describe('video playback policy', () => {
  void it('knows what every current browser plays', () => {
    assert.equal(isBrowserSafe('video/mp4', facts({})), true);
    assert.equal(isBrowserSafe('video/quicktime', facts({ profile: 'Main' }, 'mp3')), true);
    assert.equal(isBrowserSafe('video/mp4', facts({}, null)), true, 'no sound is fine');
    assert.equal(
      isBrowserSafe('video/mp4', facts({ profile: 'High 10', pixFmt: 'yuv420p10le' })),
      false,
      '10-bit H.264',
    );
    assert.equal(
      isBrowserSafe('video/mp4', facts({ profile: 'High 4:2:2', pixFmt: 'yuv422p' })),
      false,
    );
    assert.equal(
      isBrowserSafe('video/quicktime', facts({ codec: 'hevc', profile: 'Main' })),
      false,
      'HEVC',
    );
    assert.equal(isBrowserSafe('video/mp4', facts({}, 'pcm_s16le')), false, 'PCM sound');
    assert.equal(isBrowserSafe('video/x-matroska', facts({})), false, 'H.264 in Matroska');
    assert.equal(isBrowserSafe('video/webm', facts({ codec: 'vp9' }, 'opus')), true);
    assert.equal(isBrowserSafe('video/webm', facts({ codec: 'av1' }, null)), true);
    assert.equal(isBrowserSafe('video/webm', facts({ codec: 'vp9' }, 'aac')), false);
    assert.equal(isBrowserSafe('video/3gpp', facts({ codec: 'mpeg4' })), false);
  });

  void it('decides per mode, and refuses what cannot play with a reason', () => {
    const hevc = encodeStreamFacts(facts({ codec: 'hevc', profile: 'Main' }));
    const h264 = encodeStreamFacts(facts({}));
    assert.deepEqual(decidePlayback('video/quicktime', h264, 'incompatible'), {
      serve: 'original',
      mime: 'video/mp4',
    });
    assert.equal(decidePlayback('video/quicktime', hevc, 'incompatible').serve, 'rendition');
    assert.equal(decidePlayback('video/mp4', h264, 'all').serve, 'rendition');
    assert.deepEqual(decidePlayback('video/quicktime', hevc, 'off'), {
      serve: 'original',
      mime: 'video/mp4',
    });
    assert.deepEqual(
      decidePlayback('video/x-msvideo', null, 'incompatible'),
      { serve: 'original', mime: 'video/x-msvideo' },
      'not probed: the original',
    );
    assert.deepEqual(
      decidePlayback('video/mp4', encodeStreamFacts({ error: 'broken' }), 'incompatible'),
      { serve: 'none', reason: 'broken' },
    );
    assert.deepEqual(decidePlayback('video/mp4', encodeStreamFacts(facts(null)), 'incompatible'), {
      serve: 'none',
      reason: 'the file has no video stream',
    });
    assert.deepEqual(decidePlayback('video/mp4', encodeStreamFacts(facts({}, 'aac', 0)), 'all'), {
      serve: 'none',
      reason: 'the video is 0 seconds long',
    });
  });

  void it('keeps probe facts in a compact string and reads them back', () => {
    const original = {
      ...facts({ codec: 'hevc', profile: 'Main 10', pixFmt: 'yuv420p10le' }),
      rotation: 270,
    };
    assert.deepEqual(decodeStreamFacts(encodeStreamFacts(original)), original);
    assert.deepEqual(decodeStreamFacts(encodeStreamFacts({ error: 'a|b' })), { error: 'a|b' });
    assert.equal(decodeStreamFacts('v0|old'), null, 'another version is re-read, not misread');
    assert.deepEqual(
      [bitDepth('yuv420p'), bitDepth('yuv420p10le'), bitDepth('p010le'), bitDepth('yuvj420p')],
      [8, 10, 10, 8],
    );
  });

  void it('reads ffprobe output: skips cover art, normalises rotation', () => {
    const read = streamFactsFromProbe({
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3.500' },
      streams: [
        { codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } } as never,
        {
          codec_type: 'video',
          codec_name: 'hevc',
          profile: 'Main',
          pix_fmt: 'yuv420p',
          side_data_list: [{ rotation: -90 }],
        },
        { codec_type: 'audio', codec_name: 'aac' },
      ],
    });
    assert.deepEqual(read, {
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      video: { codec: 'hevc', profile: 'Main', pixFmt: 'yuv420p' },
      audio: 'aac',
      rotation: 270,
      durationMs: 3500,
    });
  });

  void it('builds an H.264/AAC faststart command, capped in height, and reads its progress', () => {
    const args = renditionArgs(
      '/in.mov',
      '/out.mp4',
      { maxHeight: 720, crf: 23, preset: 'veryfast', encoder: '' },
      true,
    );
    const joined = args.join(' ');
    assert.match(joined, /-c:v libx264 -preset veryfast -crf 23/);
    assert.match(joined, /-c:a aac/);
    assert.match(joined, /-movflags \+faststart/);
    assert.match(joined, /min\(720,/);
    assert.equal(args.at(-1), '/out.mp4');
    assert.doesNotMatch(
      renditionArgs(
        '/in',
        '/out',
        { maxHeight: 720, crf: 23, preset: 'fast', encoder: '' },
        false,
      ).join(' '),
      /-c:a/,
    );
    assert.equal(progressSeconds('out_time_us=1500000'), 1.5);
    assert.equal(progressSeconds('frame=12'), null);
  });
});

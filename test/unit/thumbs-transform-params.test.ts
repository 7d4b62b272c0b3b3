import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../server/api/errors.js';
import { canonicalTransformKey, parseTransformParams, type RawParams } from '../../server/thumbs/transform-params.js';

const limits = { maxWidth: 4096, maxHeight: 4096 };
const key = (raw: RawParams) => canonicalTransformKey({ ...parseTransformParams(raw, limits), format: 'webp', quality: 80 });

void describe('transform parameters', () => {
  void it('parses a full request', () => {
    assert.deepEqual(
      parseTransformParams(
        { w: '300', h: '200', mode: 'crop', format: 'png', quality: '50', rotate: '90', flip: 'v', blur: '2.5', grayscale: '', upscale: 'true' },
        limits,
      ),
      { w: 300, h: 200, mode: 'crop', format: 'png', quality: 50, rotate: 90, flip: 'v', blur: 2.5, grayscale: true, upscale: true },
    );
  });

  void it('gives the same key to equivalent requests', () => {
    assert.equal(key({ w: '100' }), key({ w: '100', mode: 'crop' }), 'mode means nothing with one side');
    assert.equal(key({}), key({ rotate: '0', grayscale: 'false', upscale: '0' }));
    assert.equal(key({ w: '100', v: 'abc' }), key({ w: '100' }), 'v is not part of the picture');
    assert.notEqual(key({ w: '100', h: '100' }), key({ w: '100', h: '100', mode: 'crop' }));
    assert.notEqual(key({ w: '100' }), key({ h: '100' }));
  });

  void it('is insensitive to parameter order (property)', () => {
    const entry = fc.oneof(
      fc.integer({ min: 1, max: 4096 }).map((n) => ['w', String(n)] as const),
      fc.integer({ min: 1, max: 4096 }).map((n) => ['h', String(n)] as const),
      fc.constantFrom('max', 'crop', 'pad', 'stretch').map((m) => ['mode', m] as const),
      fc.constantFrom('90', '180', '270').map((r) => ['rotate', r] as const),
      fc.constantFrom('h', 'v').map((f) => ['flip', f] as const),
      fc.constant(['grayscale', '1'] as const),
    );
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: ([name]) => name, maxLength: 6 }), (entries) => {
        const forward = Object.fromEntries(entries);
        const backward = Object.fromEntries([...entries].reverse());
        assert.equal(key(forward), key(backward));
      }),
    );
  });

  void it('rejects what it does not understand, naming the parameter', () => {
    const cases: Array<[RawParams, string]> = [
      [{ width: '10' }, 'width: expected one of w, h, mode, format, quality, rotate, flip, blur, grayscale, upscale, got "an unknown parameter"'],
      [{ w: ['1', '2'] }, 'w: expected a single value, got "2 values"'],
      [{ w: '100000' }, 'w: expected an integer from 1 to 4096, got "100000"'],
      [{ w: '-5' }, 'w: expected an integer from 1 to 4096, got "-5"'],
      [{ w: '' }, 'w: expected an integer from 1 to 4096, got ""'],
      [{ quality: '101' }, 'quality: expected an integer from 1 to 100, got "101"'],
      [{ blur: '0.1' }, 'blur: expected a number from 0.3 to 100, got "0.1"'],
      [{ rotate: '-90' }, 'rotate: expected 90, 180 or 270, got "-90"'],
    ];
    for (const [raw, message] of cases) {
      assert.throws(() => parseTransformParams(raw, limits), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.status, 400);
        assert.equal(error.message, message);
        return true;
      });
    }
  });
});

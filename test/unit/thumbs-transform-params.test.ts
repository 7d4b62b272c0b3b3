import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../server/api/errors.js';
import { canonicalTransformKey, cropRegion, parseTransformParams, type RawParams } from '../../server/thumbs/transform-params.js';

const limits = { maxWidth: 4096, maxHeight: 4096 };
const key = (raw: RawParams) => canonicalTransformKey({ ...parseTransformParams(raw, limits), format: 'webp', quality: 80 });

void describe('transform parameters', () => {
  void it('parses a full request', () => {
    assert.deepEqual(
      parseTransformParams(
        { w: '300', h: '200', mode: 'crop', format: 'png', quality: '50', rotate: '90', flip: 'v', blur: '2.5', grayscale: '', upscale: 'true' },
        limits,
      ),
      {
        w: 300, h: 200, mode: 'crop', format: 'png', quality: 50,
        // A quarter turn, then top-bottom: a three-quarter turn, then left-right.
        orientation: { rotate: 270, mirror: true },
        crop: null, anchor: 'middlecenter', background: null,
        blur: 2.5, grayscale: true, brighten: null, contrast: null, kernel: 'lanczos3', upscale: true,
      },
    );
  });

  void it('gives the same key to equivalent requests', () => {
    assert.equal(key({ w: '100' }), key({ w: '100', mode: 'crop' }), 'mode means nothing with one side');
    assert.equal(key({}), key({ rotate: '0', grayscale: 'false', upscale: '0' }));
    assert.equal(key({ w: '100', v: 'abc' }), key({ w: '100' }), 'v is not part of the picture');
    assert.notEqual(key({ w: '100', h: '100' }), key({ w: '100', h: '100', mode: 'crop' }));
    assert.notEqual(key({ w: '100' }), key({ h: '100' }));
  });

  void it('maps RIAPI and Nano Image Server names onto the native key', () => {
    const same: Array<[RawParams, RawParams]> = [
      [{ width: '200' }, { w: '200' }],
      [{ height: '150' }, { h: '150' }],
      [{ maxwidth: '200' }, { w: '200' }],
      [{ w: '400', maxwidth: '200' }, { w: '200' }],
      [{ w: '100', zoom: '2' }, { w: '200' }],
      [{ w: '100', h: '50', dpr: '1.5' }, { w: '150', h: '75' }],
      [{ format: 'jpg' }, { format: 'jpeg' }],
      [{ to: 'webp' }, { format: 'webp' }],
      [{ scale: 'both' }, { upscale: 'true' }],
      [{ scale: 'down' }, {}],
      [{ filter: 'bw' }, { grayscale: '1' }],
      [{ filter: 'blur', f_param: '3' }, { blur: '3' }],
      [{ filter: 'brighten', f_param: '0' }, {}],
      [{ transform: 'fliph' }, { flip: 'h' }],
      [{ transform: 'flipv' }, { flip: 'v' }],
      [{ transform: 'rotate', t_param: '90' }, { rotate: '90' }],
      [{ resfilter: 'lanczos' }, {}],
      [{ flip: 'x' }, { flip: 'h' }],
      [{ flip: 'y' }, { flip: 'v' }],
      [{ flip: 'xy' }, { rotate: '180' }],
      [{ flip: 'v' }, { rotate: '180', flip: 'h' }],
      [{ srotate: '90' }, { rotate: '90' }],
      [{ sflip: 'h', rotate: '90' }, { rotate: '270', flip: 'h' }],
      [{ crop: '0,0,0,0' }, {}],
      [{ w: '100', anchor: 'topleft' }, { w: '100' }],
      [{ bgcolor: 'fff' }, { bgcolor: 'FFFFFFFF' }],
      [{ bgcolor: 'white' }, { bgcolor: '#ffffff' }],
    ];
    for (const [alias, native] of same) assert.equal(key(alias), key(native), JSON.stringify(alias));
    assert.notEqual(key({ w: '100', h: '100', mode: 'crop', anchor: 'topleft' }), key({ w: '100', h: '100', mode: 'crop' }));
    assert.notEqual(key({ crop: '10,10,-10,-10', srotate: '90' }), key({ crop: '10,10,-10,-10', rotate: '90' }), 'a source turn moves the crop');
    assert.notEqual(key({ resfilter: 'nearest' }), key({}));
  });

  void it('resolves crop regions against the picture', () => {
    const source = { rotate: 0, mirror: false } as const;
    assert.deepEqual(cropRegion({ x1: 10, y1: 20, x2: -10, y2: 0, source }, 100, 80), { left: 10, top: 20, width: 80, height: 60 });
    assert.deepEqual(cropRegion({ x1: -50, y1: 0, x2: 500, y2: 40, source }, 100, 80), { left: 50, top: 0, width: 50, height: 40 });
    assert.throws(() => cropRegion({ x1: 90, y1: 0, x2: 50, y2: 0, source }, 100, 80), /crop: expected a region inside the 100×80 picture/);
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
      [{ size: '10' }, 'size: expected a supported parameter (w, h, maxwidth, maxheight, dpr, mode, anchor, bgcolor, crop, format, quality, srotate, sflip, rotate, flip, blur, grayscale, brighten, contrast, resfilter, upscale, or an alias from the API docs), got "an unknown parameter"'],
      [{ width: '10', w: '10' }, 'w: expected not to be combined with width, got "10"'],
      [{ filter: 'sepia' }, 'filter: expected one of blur, brighten, contrast, bw, got "sepia"'],
      [{ filter: 'blur' }, 'f_param: expected a value for filter=blur, got ""'],
      [{ transform: 'rotate', t_param: '45' }, 'rotate: expected 90, 180 or 270, got "45"'],
      [{ scale: 'canvas' }, 'scale: expected down or both, got "canvas"'],
      [{ crop: '1,2,3' }, 'crop: expected four whole numbers x1,y1,x2,y2, got "1,2,3"'],
      [{ bgcolor: 'ff00' + 'zz' }, 'bgcolor: expected a colour name (white, black, transparent, gray, grey, red, green, blue) or hex RGB, RGBA, RRGGBB or RRGGBBAA, got "ff00zz"'],
      [{ dpr: '2' }, 'dpr: expected w or h to multiply, got "2"'],
      [{ w: '3000', dpr: '2' }, 'dpr: expected a factor keeping the size within 4096×4096, got "2"'],
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

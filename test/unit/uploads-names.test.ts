import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  declaredTypeMatches,
  sanitiseSegment,
  uploadFileName,
  uploadFolder,
  withSuffix,
} from '../../server/uploads/upload-names.js';

void describe('upload names', () => {
  it('keeps ordinary names and strips paths, control and reserved characters', () => {
    assert.equal(sanitiseSegment('IMG_0001.JPG'), 'IMG_0001.JPG');
    assert.equal(sanitiseSegment('../../etc/passwd'), 'passwd');
    assert.equal(sanitiseSegment('C:\\Users\\me\\photo.jpg'), 'photo.jpg');
    assert.equal(sanitiseSegment('a\u0000b\u001fc.jpg'), 'a_b_c.jpg');
    assert.equal(sanitiseSegment('what?<>|*.jpg'), 'what_____.jpg');
    assert.equal(sanitiseSegment('....'), '');
    assert.equal(sanitiseSegment('.hidden.jpg'), 'hidden.jpg');
    assert.equal(sanitiseSegment('CON.jpg'), '_CON.jpg');
    assert.equal(sanitiseSegment('evil\u202egpj.exe'), 'evil_gpj.exe');
  });

  it('bounds names in UTF-8 bytes without splitting a character, keeping the extension', () => {
    const long = sanitiseSegment('é'.repeat(2000) + '.jpeg');
    assert.ok(Buffer.byteLength(long) <= 180);
    assert.ok(long.endsWith('é.jpeg'));
  });

  it('never yields a separator, a hidden name, dot segments or control characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (raw) => {
        const name = sanitiseSegment(raw);
        // eslint-disable-next-line no-control-regex
        assert.ok(!/[/\\\u0000-\u001f]/.test(name), JSON.stringify(name));
        assert.ok(!name.startsWith('.') && name !== '..');
        assert.ok(Buffer.byteLength(name) <= 180);
      }),
    );
  });

  it('matches the extension to the content and refuses a name claiming another type', () => {
    assert.deepEqual(uploadFileName('a.jpeg', 'image/jpeg', 'x'), { ok: true, name: 'a.jpeg' });
    assert.deepEqual(uploadFileName('blob', 'image/png', 'x'), { ok: true, name: 'blob.png' });
    assert.deepEqual(uploadFileName(null, 'video/quicktime', 'upload-1'), {
      ok: true,
      name: 'upload-1.mov',
    });
    assert.deepEqual(uploadFileName('clip.MOV', 'video/mp4', 'x'), { ok: true, name: 'clip.MOV' });
    assert.equal(uploadFileName('a.jpg', 'image/png', 'x').ok, false);
    assert.equal(uploadFileName('a.jpg', 'application/pdf', 'x').ok, false);
  });

  it('compares a declared type with the sniffed one, generic declarations saying nothing', () => {
    assert.ok(declaredTypeMatches(null, 'image/jpeg'));
    assert.ok(declaredTypeMatches('application/octet-stream', 'image/png'));
    assert.ok(declaredTypeMatches('image/jpg', 'image/jpeg'));
    assert.ok(declaredTypeMatches('image/heif', 'image/heic'));
    assert.ok(declaredTypeMatches('video/quicktime', 'video/mp4'));
    assert.ok(!declaredTypeMatches('image/jpeg', 'image/png'));
    assert.ok(!declaredTypeMatches('text/plain', 'image/jpeg'));
  });

  it('suffixes collisions and files by year and month', () => {
    assert.equal(withSuffix('a.jpg', 0), 'a.jpg');
    assert.equal(withSuffix('a.jpg', 2), 'a-2.jpg');
    assert.equal(withSuffix('noext', 1), 'noext-1');
    assert.equal(uploadFolder('Uploads', 'alice', 202307), 'Uploads/alice/2023/07');
    assert.equal(uploadFolder('Up/loads/', '../..', 199901), 'Up/loads/unknown/1999/01');
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { imageSize } from 'image-size';
import { FileProber, type ProbeResult } from '../../server/media/file-probe.js';
import { jpegFrameSize } from '../../server/media/jpeg-size.js';

const real = path.join(import.meta.dirname, '..', 'fixtures', 'real');

async function realFiles(): Promise<string[]> {
  const names = await readdir(real, { recursive: true });
  const files: string[] = [];
  for (const name of names) {
    const abs = path.join(real, name);
    if ((await stat(abs)).isFile() && /\.(jpe?g|heic|heif|png|tiff?)$/i.test(name)) files.push(abs);
  }
  return files.sort();
}

void describe('JPEG frame size without image-size', () => {
  void it('agrees with image-size on every real camera JPEG', async () => {
    let compared = 0;
    for (const abs of await realFiles()) {
      const head = (await readFile(abs)).subarray(0, 64 * 1024);
      if (head[0] !== 0xff || head[1] !== 0xd8) continue;
      const expected = imageSize(head);
      assert.deepEqual(
        jpegFrameSize(head),
        { width: expected.width, height: expected.height },
        abs,
      );
      compared++;
    }
    assert.ok(compared >= 20, `only ${compared} JPEGs compared`);
  });

  void it('gives up (null) when the frame header is not in the bytes, or they are no JPEG', async () => {
    const jpeg = await readFile(path.join(real, 'jpg', 'Canon_40D.jpg'));
    assert.equal(jpegFrameSize(jpeg.subarray(0, 200)), null); // the EXIF block alone
    assert.equal(jpegFrameSize(Buffer.from('89504e470d0a1a0a', 'hex')), null);
    assert.equal(jpegFrameSize(Buffer.alloc(0)), null);
  });
});

void describe('file probe with reused read buffers', () => {
  void it('gives every file the same facts read concurrently as read one at a time', async () => {
    const files = await realFiles();
    const one = new FileProber();
    const alone: ProbeResult[] = [];
    for (const abs of files) alone.push(await one.probe(abs, (await stat(abs)).size));
    const many = new FileProber();
    const together = await Promise.all(
      files.map(async (abs) => many.probe(abs, (await stat(abs)).size)),
    );
    assert.deepEqual(together, alone);
    // The fingerprint keys favourites: it stays sha256 of the size, the first 64 KiB and the last 16 KiB.
    for (const [i, abs] of files.entries()) {
      const result = alone[i]!;
      if (!result.ok) continue;
      const bytes = await readFile(abs);
      const hash = createHash('sha256')
        .update(`${bytes.length}:`)
        .update(bytes.subarray(0, 64 * 1024));
      if (bytes.length > 64 * 1024)
        hash.update(bytes.subarray(Math.max(64 * 1024, bytes.length - 16 * 1024)));
      assert.equal(result.facts.fingerprint, hash.digest('base64url').slice(0, 22), abs);
    }
    assert.ok(alone.filter((r) => r.ok).length >= 40);
  });
});

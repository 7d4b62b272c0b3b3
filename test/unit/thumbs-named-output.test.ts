import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNamedOutput } from '../../server/thumbs/named-output.js';

void describe('named outputs', () => {
  void it('maps image-server names onto transform parameters', () => {
    assert.deepEqual(parseNamedOutput('w200.jpg'), { format: 'jpeg', w: '200' });
    assert.deepEqual(parseNamedOutput('h150.png'), { format: 'png', h: '150' });
    assert.deepEqual(parseNamedOutput('x200.webp'), { format: 'webp', w: '200', h: '200', mode: 'crop' });
    assert.deepEqual(parseNamedOutput('300x200.jpg'), { format: 'jpeg', w: '300', h: '200', mode: 'crop' });
    assert.deepEqual(parseNamedOutput('300x200-q50.webp'), { format: 'webp', w: '300', h: '200', mode: 'crop', quality: '50' });
    assert.deepEqual(parseNamedOutput('w64-q10.avif'), { format: 'avif', w: '64', quality: '10' });
    assert.deepEqual(parseNamedOutput('w0.jpeg'), { format: 'jpeg', w: '0' }, 'ranges are the transform parser’s job');
  });

  void it('returns null for anything else', () => {
    for (const name of ['original', 'favorite', 'image', 'w200', 'w200.gif', 'W200.jpg', 'x.jpg', '300x.jpg', 'w200.jpg.exe', '-q5.jpg', 'w200-q.jpg', '']) {
      assert.equal(parseNamedOutput(name), null, name);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { negotiate } from '../../server/api/compression.js';
import { encodedBody, isShared, shareBody } from '../../server/api/shared-bodies.js';

void describe('shared bodies and their encoded forms', () => {
  it('encodes a shared body once per encoding, and the encoded form decodes to the body', () => {
    const body = shareBody(Buffer.from(JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: `item${i}` })) })));
    assert.ok(isShared(body));
    const br = encodedBody(body, 'br');
    const gzip = encodedBody(body, 'gzip');
    assert.equal(encodedBody(body, 'br'), br, 'made once, then reused');
    assert.deepEqual(zlib.brotliDecompressSync(br), body);
    assert.deepEqual(zlib.gunzipSync(gzip), body);
    assert.ok(br.length < body.length / 3);
  });

  it('knows only the bodies marked shared', () => {
    assert.equal(isShared(Buffer.from('x')), false);
    assert.equal(isShared('x'), false);
    assert.equal(isShared(undefined), false);
  });

  it('negotiates as koa-compress does (brotli first among equals, q-values, identity, wildcard)', () => {
    const cases: Array<[string | undefined, string | undefined]> = [
      [undefined, 'identity'],
      ['', 'identity'],
      ['gzip, deflate, br', 'br'],
      ['br;q=0.5, gzip', 'gzip'],
      ['gzip', 'gzip'],
      ['identity', 'identity'],
      ['*', 'gzip'],
      ['deflate', 'identity'],
      ['gzip;q=0, br;q=0, identity;q=0', undefined],
      ['br, gzip', 'br'],
    ];
    for (const [header, expected] of cases) assert.equal(negotiate(header), expected, `Accept-Encoding: ${header}`);
    assert.equal(negotiate('gzip, deflate, br'), 'br', 'the memo answers the same');
  });
});

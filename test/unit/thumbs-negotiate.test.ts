import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { negotiateFormat, preferredFormat } from '../../server/thumbs/negotiate.js';

void describe('thumbnail format negotiation', () => {
  const both = { avif: true, webp: true };
  const webpOnly = { avif: false, webp: true };
  void it('prefers AVIF when enabled, then WebP, then JPEG', () => {
    const chrome = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
    assert.equal(negotiateFormat(chrome, both), 'avif');
    assert.equal(negotiateFormat(chrome, webpOnly), 'webp');
    assert.equal(negotiateFormat(chrome, { avif: false, webp: false }), 'jpeg');
    assert.equal(negotiateFormat('image/webp,*/*', both), 'webp');
    assert.equal(negotiateFormat('image/AVIF ; q=0.5', both), 'avif');
  });
  void it('treats q=0 as refusal and wildcards as no promise', () => {
    assert.equal(negotiateFormat('image/avif;q=0, image/webp;q=0', both), 'jpeg');
    assert.equal(negotiateFormat('*/*', both), 'jpeg');
    assert.equal(negotiateFormat('image/*', both), 'jpeg');
    assert.equal(negotiateFormat(undefined, both), 'jpeg');
    assert.equal(negotiateFormat('', both), 'jpeg');
  });
  void it('pre-generates the format browsers will ask for', () => {
    assert.equal(preferredFormat(both), 'avif');
    assert.equal(preferredFormat(webpOnly), 'webp');
    assert.equal(preferredFormat({ avif: false, webp: false }), 'jpeg');
  });
});

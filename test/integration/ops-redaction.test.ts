import assert from 'node:assert/strict';
import { it } from 'node:test';
import { maskSecrets } from '../../server/ops/mask-secrets.js';
import { redactUrl } from '../../server/ops/redact-url.js';

void it('strips secret query values from logged URLs, keeping the rest', () => {
  assert.equal(redactUrl('/api/media?limit=5'), '/api/media?limit=5');
  assert.equal(
    redactUrl('/api/media/x/image?w=200&expires=99&sig=abc&Token=t&password=p&%73ig=z'),
    '/api/media/x/image?w=200&expires=99&sig=[redacted]&Token=[redacted]&password=[redacted]&%73ig=[redacted]',
  );
  assert.equal(redactUrl('/a?sig'), '/a?sig=[redacted]');
});

void it('masks secrets by key and passwords inside URLs, wherever they nest', () => {
  const masked = maskSecrets({
    port: 8080,
    webhooks: [{ url: 'https://u:pw@h.example/x', secret: 'abcdefghijklmnop' }],
    auth: { signingSecrets: ['s'.repeat(40)] },
    tls: { key: '/etc/ssl/private/spis.key' },
  });
  assert.deepEqual(masked, {
    port: 8080,
    webhooks: [{ url: 'https://u:[secret]@h.example/x', secret: '[secret, 16 characters]' }],
    auth: { signingSecrets: ['[secret, 40 characters]'] },
    tls: { key: '/etc/ssl/private/spis.key' },
  });
});

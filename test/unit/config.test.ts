import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../server/config/load.js';
import { configSchema } from '../../server/config/schema.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'spis-config-'));
const file = (name: string, content: unknown) => {
  const target = path.join(tmp, name);
  writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content));
  return target;
};

describe('configuration', () => {
  it('works with no arguments', () => {
    const { config } = loadConfig({ env: {}, cwd: '/srv' });
    assert.equal(config.media, '/srv/media');
    assert.equal(config.data, '/srv/data');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
  });

  it('layers file ← environment ← flags, with ${ENV} interpolation in the file', () => {
    const config = file('layers.json', { port: 9000, host: '0.0.0.0', media: '${PHOTOS}', thumbnails: { quality: 70 } });
    const loaded = loadConfig({
      env: { PHOTOS: '/photos', SPIS_PORT: '9100', SPIS_THUMBNAILS_QUALITY: '60' },
      flags: { port: '9200' },
      file: config,
      cwd: '/',
    }).config;
    assert.equal(loaded.media, '/photos');
    assert.equal(loaded.host, '0.0.0.0');
    assert.equal(loaded.port, 9200);
    assert.equal(loaded.thumbnails.quality, 60);
  });

  it('reports every bad key at once', () => {
    const config = file('bad.json', {
      port: 'eighty', timezone: 'Mars/Olympus', thumbnails: { quality: 0, bogus: 1 }, unknownKey: true,
      webhooks: [{ url: 'ftp://x', secret: 'short' }], media: '${NOT_SET}',
    });
    try {
      loadConfig({ env: { SPIS_WATCH_ENABLED: 'maybe' }, file: config });
      assert.fail('should have thrown');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const text = error.message;
      for (const expected of ['port', 'timezone', 'thumbnails.quality', 'bogus', 'unknownKey', 'webhooks.0.url',
        'webhooks.0.secret', 'NOT_SET', 'watch.enabled']) {
        assert.ok(text.includes(expected), `missing ${expected} in:\n${text}`);
      }
      assert.ok(error.problems.length >= 9, text);
    }
  });

  it('reports an unreadable or malformed file clearly', () => {
    assert.throws(() => loadConfig({ env: {}, file: path.join(tmp, 'missing.json') }), /cannot be read \(ENOENT\)/);
    assert.throws(() => loadConfig({ env: {}, file: file('broken.json', '{"port": ') }), /not valid JSON/);
    assert.throws(() => loadConfig({ env: {}, file: file('array.json', '[]') }), /must hold a JSON object/);
  });

  it('config/default.json matches the built-in defaults', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8'));
    assert.deepEqual(shipped, configSchema.parse({}));
  });

  it('config/example.json is valid', () => {
    const example = new URL('../../config/example.json', import.meta.url).pathname;
    const { config } = loadConfig({ env: { SPIS_WEBHOOK_SECRET: 'x'.repeat(32), SPIS_SIGNING_SECRET: 'y'.repeat(40) }, file: example });
    assert.ok(config.webhooks.length > 0);
  });
});

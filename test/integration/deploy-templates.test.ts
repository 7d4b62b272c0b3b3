import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '../../server/config/load.js';
import { options, type OptionSpec } from '../../server/config/options.js';
import type { Config } from '../../server/config/schema.js';
import {
  readTemplate,
  renderTemplate,
  templateFiles,
  templateVars,
  uploadMaxBytes,
  type TemplateName,
} from '../../server/ops/templates.js';
import { UnitPathError } from '../../server/ops/unit-sandbox.js';
import { verifyUnit } from '../helpers/systemd-verify.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const defaults = loadConfig({ env: {} }).config;

/** A valid value other than the default for every flag; a new flag without one fails here. */
const samples: Record<string, string | boolean> = {
  media: '/srv/pictures',
  data: '/srv/spis-data',
  host: '127.0.0.2',
  port: '8123',
  timezone: 'Europe/Oslo',
  publicUrl: 'https://photos.example.org:8443',
  'thumbnails.quality': '70',
  'thumbnails.concurrency': '3',
  'thumbnails.memoryCacheBytes': '1000000',
  'video.ffmpeg': '/usr/local/bin/ffmpeg',
  'video.ffprobe': '/usr/local/bin/ffprobe',
  'tls.cert': '/etc/ssl/spis cert.pem',
  'tls.key': '/etc/ssl/spis.key',
  'log.level': 'debug',
  'log.format': 'pretty',
  'video.transcode': 'all',
  'video.maxHeight': '720',
  'video.hwaccel': 'h264_v4l2m2m',
  'uploads.folder': 'Family uploads',
  'uploads.maxBytes': '2147483648',
  'uploads.minFreeBytes': '5000000000',
  'state.store': 'redis://:s3cret@127.0.0.1:6380/2',
};

function sample(spec: OptionSpec): string | boolean {
  if (spec.kind === 'boolean') return !(settingOf(defaults, spec.path) as boolean);
  const value = samples[spec.path];
  if (value === undefined)
    throw new Error(`no sample value for ${spec.path}: add one so its templates are checked`);
  return value;
}

function settingOf(config: Config, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
}

/** The config as flags give it (`tls.cert` and `tls.key` only work together). */
function configWith(paths: readonly string[]): Config {
  const flags: Record<string, string | boolean> = {};
  for (const spec of options.filter((o) => paths.includes(o.path))) flags[spec.path] = sample(spec);
  if ('tls.cert' in flags || 'tls.key' in flags)
    Object.assign(flags, { 'tls.cert': samples['tls.cert'], 'tls.key': samples['tls.key'] });
  return loadConfig({ env: {}, flags }).config;
}

async function render(
  name: TemplateName,
  config: Config,
  configFile: string | null = null,
): Promise<string> {
  return renderTemplate(
    await readTemplate(name),
    templateVars({ config, configFile, root: '/opt/spis', node: '/usr/bin/node' }),
  );
}

/** `Environment=` assignments of a unit, with systemd's quoting and `%%` undone. */
function unitEnvironment(unit: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of unit.matchAll(/^Environment=(.*)$/gm)) {
    let word = match[1]!;
    if (word.startsWith('"')) word = word.slice(1, -1).replace(/\\(["\\])/g, '$1');
    word = word.replace(/%%/g, '%');
    const eq = word.indexOf('=');
    env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return env;
}

interface Compose {
  services: {
    spis: {
      environment: Record<string, string>;
      volumes: string[];
      ports: string[];
      build: { context: string };
    };
  };
}

function composeEnvironment(text: string): { env: Record<string, string>; compose: Compose } {
  const compose = parse(text) as Compose;
  const env = Object.fromEntries(
    Object.entries(compose.services.spis.environment).map(([key, value]) => [
      key,
      String(value).replace(/\$\$/g, '$'),
    ]),
  );
  return { env, compose };
}

/** What the proxies need of spis' settings; the rest cannot matter to a proxy. */
const PROXY_SETTINGS = new Set(['host', 'port', 'publicUrl', 'trustProxy', 'tls.cert', 'tls.key', 'uploads.maxBytes']);

void describe('every template carries every setting it was given', () => {
  const everything = configWith(options.map((o) => o.path));

  void it('systemd: the unit gives spis back exactly the configuration it was generated from', async () => {
    const unit = await render('systemd', everything);
    const env = unitEnvironment(unit);
    assert.deepEqual(loadConfig({ env }).config, everything);
  });

  void it('docker-compose: the container gets the same configuration, with its own paths and port', async () => {
    const { env, compose } = composeEnvironment(await render('docker-compose', everything));
    const inside = loadConfig({ env }).config;
    assert.deepEqual(inside, {
      ...everything,
      media: '/media',
      data: '/data',
      host: '0.0.0.0',
      port: 8080,
      allowAnonymousRemote: true,
    });
    const spis = compose.services.spis;
    assert.ok(spis.volumes.includes('/srv/pictures:/media:ro'));
    assert.ok(spis.volumes.includes('/srv/spis-data:/data'));
    assert.deepEqual(spis.ports, ['127.0.0.2:8123:8080']);
    for (const file of [
      '/etc/ssl/spis cert.pem',
      '/etc/ssl/spis.key',
      '/usr/local/bin/ffmpeg',
      '/usr/local/bin/ffprobe',
    ]) {
      assert.ok(spis.volumes.includes(`${file}:${file}:ro`), `${file} mounted read-only`);
    }
    assert.equal(
      spis.build.context,
      '/opt/spis',
      'built from the installation, wherever the file is saved',
    );
    const health = (
      compose.services.spis as unknown as { healthcheck: { test: string[] } }
    ).healthcheck.test.join(' ');
    assert.match(
      health,
      /https:\/\/127\.0\.0\.1:8080\/probe\/ready/,
      'with tls.cert spis answers HTTPS only',
    );
  });

  for (const name of Object.keys(templateFiles) as TemplateName[]) {
    for (const spec of options) {
      void it(`${name}: ${spec.path}`, async () => {
        const plain = await render(name, defaults);
        const config = configWith([spec.path]);
        const text = await render(name, config);
        if (name === 'systemd') {
          // journald takes JSON lines: the unit asks for them unless a format was given.
          const expected =
            spec.path === 'log.format'
              ? config
              : { ...config, log: { ...config.log, format: 'json' } };
          assert.deepEqual(loadConfig({ env: unitEnvironment(text) }).config, expected);
        } else if (name === 'docker-compose') {
          const { env, compose } = composeEnvironment(text);
          const inside = loadConfig({ env }).config;
          const mapped = ['media', 'data', 'host', 'port'].includes(spec.path);
          if (mapped)
            assert.notDeepEqual(
              compose,
              composeEnvironment(plain).compose,
              'mapped onto mounts or ports',
            );
          else assert.deepEqual(settingOf(inside, spec.path), settingOf(config, spec.path));
        } else if (PROXY_SETTINGS.has(spec.path)) {
          assert.notEqual(text, plain, `${name} follows ${spec.path}`);
        } else {
          assert.equal(text, plain, `${spec.path} has nothing to do with a proxy`);
        }
      });
    }
  }

  void it('docker-compose: paths with quotes and dollars survive YAML and compose interpolation', async () => {
    const media = '/srv/"odd" $HOME photos';
    const { compose } = composeEnvironment(
      await render('docker-compose', loadConfig({ env: {}, overrides: { media } }).config),
    );
    assert.ok(
      compose.services.spis.volumes.includes(`${media.replace(/\$/g, '$$$$')}:/media:ro`),
      'quoted, with $ doubled',
    );
  });

  void it('states only what the config file does not: the file itself is referenced', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'spis-template-'));
    try {
      const file = path.join(dir, 'config.json');
      await writeFile(
        file,
        JSON.stringify({
          publicUrl: 'https://photos.example.org',
          trustProxy: true,
          media: '/srv/pictures',
        }),
      );
      const cli = (name: string) =>
        exec(
          process.execPath,
          [
            '--import',
            'tsx',
            'server/cli/main.ts',
            'template',
            name,
            '--config',
            file,
            '--timezone',
            'Europe/Oslo',
          ],
          {
            cwd: root,
            env: { ...process.env, SPIS_CONFIG: '', SPIS_PORT: '8123' },
          },
        );
      const unit = (await cli('systemd')).stdout;
      const env = unitEnvironment(unit);
      assert.equal(env.SPIS_CONFIG, file);
      assert.equal(env.SPIS_TIMEZONE, 'Europe/Oslo');
      assert.equal(env.SPIS_PORT, '8123');
      assert.ok(
        !('SPIS_PUBLIC_URL' in env) && !('SPIS_TRUST_PROXY' in env),
        'the file says those itself',
      );
      const { env: composeEnv, compose } = composeEnvironment((await cli('docker-compose')).stdout);
      assert.equal(composeEnv.SPIS_CONFIG, file);
      assert.ok(compose.services.spis.volumes.includes(`${file}:${file}:ro`));
      assert.equal(loadConfig({ env: composeEnv }).config.publicUrl, 'https://photos.example.org');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

void describe('systemd unit for the paths given', () => {
  const unitFor = (media: string, data: string) =>
    render('systemd', loadConfig({ env: {}, overrides: { media, data } }).config);
  const directive = (unit: string, key: string) =>
    [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

  void it('media under /srv, data in /var/lib: hidden home, private /tmp, a state directory', async () => {
    const unit = await unitFor('/srv/photos', '/var/lib/spis');
    assert.deepEqual(directive(unit, 'ProtectHome'), ['yes']);
    assert.deepEqual(directive(unit, 'PrivateTmp'), ['yes']);
    assert.deepEqual(directive(unit, 'StateDirectory'), ['spis']);
    assert.deepEqual(directive(unit, 'ReadWritePaths'), []);
    assert.equal(await verifyUnit(unit), '');
  });

  void it('media under /home: home read-only instead of hidden (hidden, it fails with 226/NAMESPACE)', async () => {
    const unit = await unitFor('/home/ada/Pictures', '/var/lib/spis');
    assert.deepEqual(directive(unit, 'ProtectHome'), ['read-only']);
    assert.deepEqual(directive(unit, 'ReadOnlyPaths'), ['/home/ada/Pictures']);
    assert.equal(await verifyUnit(unit), '');
  });

  void it('a custom data path is created before start and made writable; one below /var/lib is a state directory', async () => {
    const unit = await unitFor('/srv/photos', '/srv/spis data');
    assert.deepEqual(directive(unit, 'ExecStartPre'), [
      '+/usr/bin/install -d -o spis -g spis -m 0700 "/srv/spis data"',
    ]);
    assert.deepEqual(directive(unit, 'ReadWritePaths'), ['"/srv/spis data"']);
    assert.deepEqual(directive(unit, 'StateDirectory'), []);
    assert.equal(await verifyUnit(unit), '');
    const nested = await unitFor('/srv/photos', '/var/lib/photos/spis');
    assert.deepEqual(directive(nested, 'StateDirectory'), ['photos/spis']);
    assert.equal(await verifyUnit(nested), '');
  });

  void it('media or data under /tmp: no private /tmp, which would hide them', async () => {
    const unit = await unitFor('/tmp/photos', '/var/lib/spis');
    assert.deepEqual(directive(unit, 'PrivateTmp'), ['no']);
    assert.equal(await verifyUnit(unit), '');
  });

  void it('refuses a folder systemd cannot give the service', async () => {
    await assert.rejects(unitFor('/proc/self', '/var/lib/spis'), UnitPathError);
    await assert.rejects(
      unitFor('/srv/photos\nExecStartPre=/bin/sh', '/var/lib/spis'),
      UnitPathError,
    );
  });
});

void describe('proxy templates', () => {
  void it('take the upload limit from the one function the upload settings feed', async () => {
    const nginx = await render('nginx', defaults);
    const mib = uploadMaxBytes(defaults) / 1024 / 1024;
    assert.match(
      nginx,
      new RegExp(
        `location /api/uploads \\{\\n\\s+client_max_body_size ${mib + 1}m;\\n\\s+proxy_request_buffering off;`,
      ),
    );
    const caddy = await render('caddy', defaults);
    assert.match(caddy, new RegExp(`max_size ${uploadMaxBytes(defaults) + 1024 * 1024}\\b`));
  });

  void it('listen where publicUrl says: scheme, host and port', async () => {
    const at = (publicUrl: string) => loadConfig({ env: {}, overrides: { publicUrl } }).config;
    assert.match(await render('nginx', at('http://photos.example.org:8080')), /^\s+listen 8080;$/m);
    assert.match(await render('nginx', at('https://photos.example.org')), /^\s+listen 443 ssl;$/m);
    assert.match(await render('nginx', defaults), /^\s+listen 80;$/m);
    assert.match(
      await render('caddy', at('https://photos.example.org:8443')),
      /^https:\/\/photos\.example\.org:8443 \{$/m,
    );
    assert.match(
      await render('caddy', at('http://photos.example.org')),
      /^http:\/\/photos\.example\.org \{$/m,
    );
    assert.match(await render('caddy', defaults), /^http:\/\/:80 \{$/m);
  });
});

void describe('spis template on the command line', () => {
  const cli = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', 'template', ...args], {
      cwd: root,
      env: { ...process.env, SPIS_CONFIG: '' },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        stdout: error.stdout,
        stderr: error.stderr,
      }),
    );

  void it('warns when a proxy file is made for a spis that does not trust it', async () => {
    const plain = await cli('nginx', '--public-url', 'https://photos.example.org');
    assert.equal(plain.code, 0);
    assert.match(plain.stderr, /trustProxy is off/);
    assert.match(plain.stdout, /WARNING: trustProxy is off/);
    const trusted = await cli(
      'caddy',
      '--public-url',
      'https://photos.example.org',
      '--trust-proxy',
    );
    assert.equal(trusted.code, 0);
    assert.equal(trusted.stderr, '');
  });

  void it('refuses a systemd unit for a folder systemd cannot give the service', async () => {
    const refused = await cli('systemd', '--media', '/proc/photos');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /kernel file system/);
    assert.equal(refused.stdout, '');
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { requireProgram } from '../helpers/system-programs.js';
import { verifyUnit } from '../helpers/systemd-verify.js';
import { loadConfig } from '../../server/config/load.js';
import { readTemplate, renderTemplate, templateFiles, templateVars, type TemplateName } from '../../server/ops/templates.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFile(path.join(root, file), 'utf8');

async function hasCommand(command: string, args: string[]): Promise<boolean> {
  return exec(command, args).then(() => true, () => false);
}

/** The root deployment files are the templates rendered for a stock install. */
async function renderedDefault(name: TemplateName): Promise<string> {
  if (name === 'systemd') {
    // Media and data are always written out; nothing else differs from the defaults.
    const { config } = loadConfig({ env: {}, overrides: { media: '/srv/photos', data: '/var/lib/spis' } });
    return renderTemplate(await readTemplate(name), templateVars({ config, configFile: null, baseline: config, root: '/opt/spis', node: '/usr/bin/node' }));
  }
  // The repository's copy sits beside the Dockerfile: its build context is its own folder.
  const { config } = loadConfig({ env: {}, overrides: {} });
  return renderTemplate(await readTemplate(name), {
    ...templateVars({ config, configFile: null, root: '.' }),
    composeMediaVolume: '"./media:/media:ro"',
  });
}

/** `Key=value` lines of a unit file's [Service] section. */
function serviceDirectives(unit: string): Map<string, string[]> {
  const section = unit.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!;
  const out = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const match = /^(\w+)=(.*)$/.exec(line);
    if (match) out.set(match[1]!, [...(out.get(match[1]!) ?? []), match[2]!]);
  }
  return out;
}

void describe('spis.service', () => {
  void it('is the systemd template rendered for /srv/photos and /var/lib/spis', async () => {
    assert.equal(await read('spis.service'), await renderedDefault('systemd'));
  });

  void it('is hardened: own user, read-only media, state directory, restart policy', async () => {
    const directives = serviceDirectives(await read('spis.service'));
    const expect = {
      User: 'spis',
      StateDirectory: 'spis',
      ReadOnlyPaths: '/srv/photos',
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      Restart: 'on-failure',
      RestartPreventExitStatus: '78',
    };
    for (const [key, value] of Object.entries(expect)) assert.deepEqual(directives.get(key), [value], key);
    const memoryMax = directives.get('MemoryMax')?.[0] ?? '';
    assert.match(memoryMax, /^\d+M$/);
    assert.ok(Number.parseInt(memoryMax, 10) <= 1024, 'fits a Raspberry Pi');
    assert.ok(!directives.has('MemoryDenyWriteExecute'), 'V8 needs W+X memory');
  });

  void it('passes systemd-analyze verify without warnings', async () => {
    await requireProgram('systemd-analyze');
    const dir = await mkdtemp(path.join(tmpdir(), 'spis-unit-'));
    try {
      // verify checks that ExecStart's binary exists: point it at this machine's node.
      const unit = (await read('spis.service')).replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `);
      await writeFile(path.join(dir, 'spis.service'), unit);
      const { stderr } = await exec('systemd-analyze', ['verify', path.join(dir, 'spis.service')]);
      // Unknown keys and bad values are only warnings (exit 0), so any output fails the test.
      assert.equal(stderr.trim(), '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

void describe('spis template systemd with awkward paths', () => {
  void it('quotes paths with spaces and escapes % so systemd reads them back', async () => {
    const { config } = loadConfig({ env: {}, overrides: { media: '/srv/our photos/100%', data: '/srv/spis data' } });
    const unit = renderTemplate(await readTemplate('systemd'), templateVars({ config, configFile: null, root: '/opt/spis', node: process.execPath }));
    assert.match(unit, /^ReadOnlyPaths="\/srv\/our photos\/100%%"$/m);
    assert.match(unit, /^Environment="SPIS_MEDIA=\/srv\/our photos\/100%%"$/m);
    assert.match(unit, /^ReadWritePaths="\/srv\/spis data"$/m);
    assert.equal(await verifyUnit(unit), '');
  });
});

void describe('docker-compose.yml', () => {
  void it('is the compose template rendered with defaults', async () => {
    assert.equal(await read('docker-compose.yml'), await renderedDefault('docker-compose'));
  });

  void it('mounts media read-only, keeps data in a volume and checks /probe/ready', async (t) => {
    const compose = parse(await read('docker-compose.yml')) as {
      services: Record<string, Record<string, unknown>>;
      volumes: Record<string, unknown>;
    };
    const spis = compose.services.spis!;
    const volumes = spis.volumes as string[];
    assert.ok(volumes.some((v) => /:\/media:ro$/.test(v)), 'media read-only');
    const dataVolume = volumes.find((v) => v.endsWith(':/data'))!;
    assert.ok(dataVolume && Object.hasOwn(compose.volumes, dataVolume.split(':')[0]!), 'named data volume');
    assert.deepEqual(spis.ports, ['127.0.0.1:8080:8080']);
    assert.equal(spis.restart, 'unless-stopped');
    const health = spis.healthcheck as { test: string[] };
    assert.ok(health.test.join(' ').includes('/probe/ready'));
    assert.equal((spis.environment as Record<string, string>).SPIS_DATA, '/data');
    if (await hasCommand('docker', ['compose', 'version'])) {
      await exec('docker', ['compose', '-f', path.join(root, 'docker-compose.yml'), 'config', '--quiet']);
    } else {
      t.diagnostic('docker compose is not installed: validated by parsing only');
    }
  });
});

void describe('Dockerfile', () => {
  void it('builds in stages and runs non-root with Debian ffmpeg and production deps', async () => {
    const text = (await read('Dockerfile')).replace(/\\\n/g, ' ');
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const stages = lines.map((l, i) => (l.startsWith('FROM ') ? i : -1)).filter((i) => i >= 0);
    assert.ok(stages.length >= 2, 'multi-stage');
    assert.match(text, /ARG NODE_IMAGE=node:20-bookworm-slim/);
    const finalStage = lines.slice(stages.at(-1));
    const buildStage = lines.slice(stages[0], stages.at(-1));
    const buildIndex = buildStage.findIndex((l) => /npm run build/.test(l));
    const omitIndex = buildStage.findIndex((l) => /npm ci --omit=dev/.test(l));
    assert.ok(buildIndex >= 0 && omitIndex > buildIndex, 'npm ci --omit=dev after building');
    assert.ok(finalStage.some((l) => /^RUN .*apt-get install .*\bffmpeg\b/.test(l)), 'ffmpeg from Debian in the final stage');
    const user = finalStage.filter((l) => l.startsWith('USER ')).at(-1);
    assert.ok(user && !/^USER (root|0)\b/.test(user), 'non-root');
    assert.ok(finalStage.some((l) => l.startsWith('HEALTHCHECK') && l.includes('/probe/ready')));
    const ignore = await read('.dockerignore');
    for (const entry of ['node_modules', 'data', 'media', '.git']) assert.match(ignore, new RegExp(`^${entry.replace('.', '\\.')}$`, 'm'));
  });
});

void describe('spis template', () => {
  const { config } = loadConfig({
    env: {},
    overrides: { media: '/srv/pictures', data: '/srv/spis-data', port: 8123, publicUrl: 'https://photos.example.org' },
  });
  const vars = templateVars({ config, configFile: '/etc/spis/config.json', root: '/opt/spis', node: '/usr/bin/node' });

  for (const name of Object.keys(templateFiles) as TemplateName[]) {
    void it(`renders ${name} for the configuration, with nothing left to fill in`, async () => {
      const text = renderTemplate(await readTemplate(name), vars);
      assert.ok(!text.includes('{{'), 'every placeholder filled');
      if (name === 'nginx') {
        assert.match(text, /server_name photos\.example\.org;/);
        assert.match(text, /server 127\.0\.0\.1:8123;/);
        assert.match(text, /location ~\* \^\/metrics \{/);
        assert.match(text, /listen 443 ssl;/);
        assert.match(text, /proxy_set_header Host \$http_host;/);
        assert.match(text, /proxy_set_header Upgrade \$http_upgrade;/);
      } else if (name === 'caddy') {
        assert.match(text, /^https:\/\/photos\.example\.org \{/m);
        assert.match(text, /reverse_proxy 127\.0\.0\.1:8123/);
      } else if (name === 'systemd') {
        assert.match(text, /^ReadOnlyPaths=\/srv\/pictures$/m);
        assert.match(text, /^ReadWritePaths=\/srv\/spis-data$/m, 'a data folder outside /var/lib/spis stays writable');
        assert.match(text, /^Environment=SPIS_CONFIG=\/etc\/spis\/config\.json$/m);
      } else {
        const compose = parse(text) as { services: { spis: { volumes: string[]; ports: string[] } } };
        assert.ok(compose.services.spis.volumes.includes('/srv/pictures:/media:ro'));
        assert.deepEqual(compose.services.spis.ports, ['127.0.0.1:8123:8080']);
      }
    });
  }
});

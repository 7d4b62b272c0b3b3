import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { main } from '../../server/cli/program.js';
import { tempDir } from '../helpers/spis.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

/** Runs the real CLI; resolves with code and output whatever the exit status. */
async function spis(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, SPIS_CONFIG: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let dir: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  dir = await tempDir('spis-cli-');
});
after(() => dir.remove());

void describe('spis config check', () => {
  void it('reports every bad key of a broken config in one run and exits 78', async () => {
    const file = path.join(dir.dir, 'broken.json');
    await writeFile(
      file,
      JSON.stringify({
        port: 'eighty',
        timezone: 'Mars/Olympus',
        thumbnails: { quality: 500, colour: true },
        webhooks: [{ url: 'ftp://example.invalid', secret: 'short' }],
        surprise: 1,
      }),
    );
    const result = await spis(['config', 'check', '--config', file, '--log-level', 'loud'], { SPIS_THUMBNAILS_CONCURRENCY: 'many' });
    assert.equal(result.code, 78);
    for (const key of ['port', 'timezone', 'thumbnails.quality', 'colour', 'webhooks.0.url', 'webhooks.0.secret', 'surprise', 'log.level', 'thumbnails.concurrency']) {
      assert.ok(result.stderr.includes(key), `mentions ${key}:\n${result.stderr}`);
    }
    assert.equal(result.stdout, '', 'nothing printed as if valid');
  });

  void it('prints the effective configuration with secrets masked', async () => {
    const file = path.join(dir.dir, 'good.json');
    const secret = 'hook-secret-0123456789abcdef';
    const signing = 'signing-secret-0123456789abcdef0123456789';
    await writeFile(
      file,
      JSON.stringify({
        media: path.join(dir.dir, 'media'),
        data: path.join(dir.dir, 'data'),
        webhooks: [{ url: 'https://bot:pa55word@hooks.example.invalid/x', secret: '${HOOK_SECRET}' }],
        auth: { signingSecrets: [signing] },
      }),
    );
    const result = await spis(['config', 'check', '-c', file, '--port', '9099'], { HOOK_SECRET: secret });
    assert.equal(result.code, 0, result.stderr);
    const shown = JSON.parse(result.stdout) as { port: number; webhooks: Array<{ url: string; secret: string }>; auth: { signingSecrets: string[] } };
    assert.equal(shown.port, 9099, 'flags win over the file');
    assert.equal(shown.webhooks[0]!.secret, `[secret, ${secret.length} characters]`);
    assert.equal(shown.auth.signingSecrets[0], `[secret, ${signing.length} characters]`);
    assert.ok(!result.stdout.includes(secret) && !result.stdout.includes(signing) && !result.stdout.includes('pa55word'));
    assert.match(result.stderr, /configuration is valid/);
  });

  void it('fails (exit 1) on a valid config whose data folder cannot be created', async () => {
    const blocker = path.join(dir.dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const result = await spis(['config', 'check', '--media', dir.dir, '--data', path.join(blocker, 'data')]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /error\s+data /);
  });

  void it('rejects a missing or unknown sub-command with exit 2', async () => {
    assert.equal((await spis(['config'])).code, 2);
    assert.equal((await spis(['config', 'show'])).code, 2);
  });
});

/** Runs `main` in this process, capturing standard output (help and version need no child). */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await main(args), stdout };
  } finally {
    process.stdout.write = write;
  }
}

void describe('help and version', () => {
  void it('answers --version from the real CLI', async () => {
    const result = await spis(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout.trim(), /^\d+\.\d+\.\d+/);
  });

  void it('answers --help for every command with its usage', async () => {
    for (const command of ['serve', 'index', 'config', 'template']) {
      const result = await inProcess([command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`Usage: spis ${command}`));
      assert.match(result.stdout, /--media/);
    }
  });

  void it('answers --version after any command', async () => {
    for (const command of ['serve', 'index', 'config', 'template']) {
      const result = await inProcess([command, '--version']);
      assert.equal(result.code, 0);
      assert.match(result.stdout.trim(), /^\d+\.\d+\.\d+/);
    }
  });

  void it('lists every command in the overview', async () => {
    const result = await inProcess(['--help']);
    for (const command of ['serve', 'index', 'config', 'template']) assert.match(result.stdout, new RegExp(`\\n  ${command} `));
  });
});

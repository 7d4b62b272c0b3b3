import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { options } from '../../server/config/options.js';
import { version } from '../../server/version.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const exec = promisify(execFile);

/** Runs the real CLI entry point and returns its exit code and output. */
async function spis(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('spis command line', () => {
  it('--version prints the package version', async () => {
    const { code, stdout } = await spis(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), version);
  });

  it('--help lists every option with its default and environment variable', async () => {
    const { code, stdout } = await spis(['--help']);
    assert.equal(code, 0);
    for (const spec of options) {
      assert.ok(stdout.includes(`--${spec.flag}`) || stdout.includes(`--[no-]${spec.flag}`), `--${spec.flag} missing`);
      assert.ok(stdout.includes(spec.env), `${spec.env} missing`);
    }
    assert.match(stdout, /--media VALUE\s+folder of photos[^\n]*\n\s+default "\.\/media"/);
    assert.match(stdout, /--port VALUE[^\n]*\n\s+default 8080/);
    assert.match(stdout, /serve/);
  });

  it('refuses to start on a broken configuration, listing every bad key in one message', async () => {
    const { code, stderr } = await spis(['serve', '--port', 'eighty', '--timezone', 'Mars/Olympus', '--thumb-quality', '0'], {
      SPIS_LOG_LEVEL: 'loud',
    });
    assert.equal(code, 78);
    assert.match(stderr, /Invalid configuration/);
    for (const key of ['port', 'timezone', 'thumbnails.quality', 'log.level']) {
      assert.ok(stderr.includes(key), `${key} not reported:\n${stderr}`);
    }
    assert.equal(stderr.match(/Invalid configuration/g)?.length, 1, 'one message, not one per key');
  });

  it('names an unknown flag or command', async () => {
    const flag = await spis(['serve', '--no-such-flag']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /no-such-flag/);
    const command = await spis(['frobnicate']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command "frobnicate"/);
  });
});

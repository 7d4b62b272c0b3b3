import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireProgram } from './system-programs.js';

const exec = promisify(execFile);

/**
 * Runs `systemd-analyze verify` on a unit and returns what it printed. Unknown keys and bad
 * values are only warnings (exit 0), so callers assert the output is empty.
 */
export async function verifyUnit(unit: string): Promise<string> {
  const bin = await requireProgram('systemd-analyze');
  const dir = await mkdtemp(path.join(tmpdir(), 'spis-unit-'));
  try {
    // verify checks that ExecStart's binary exists: point it at this machine's node.
    const local = unit.replace(/^ExecStart=\S+ /m, `ExecStart=${process.execPath} `);
    await writeFile(path.join(dir, 'spis.service'), local);
    const { stdout, stderr } = await exec(bin, ['verify', path.join(dir, 'spis.service')]);
    return (stdout + stderr).trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

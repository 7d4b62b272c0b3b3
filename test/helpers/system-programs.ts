import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * The Debian package behind each program the deployment tests run (`.ci/run` installs
 * them). A missing program fails the test with the command that installs it: never a skip.
 */
export const programPackages = {
  nginx: 'nginx',
  caddy: 'caddy',
  prometheus: 'prometheus',
  promtool: 'prometheus',
  'systemd-analyze': 'systemd',
  openssl: 'openssl',
  'redis-server': 'redis-server',
} as const;

export type Program = keyof typeof programPackages;

/** Resolves with the program's path, or throws naming the install command. */
export async function requireProgram(program: Program): Promise<string> {
  try {
    const { stdout } = await exec('sh', ['-c', `command -v ${program}`]);
    const found = stdout.trim();
    if (found) return found;
  } catch {
    // not found: fall through
  }
  throw new Error(
    `${program} is not installed: run \`apt-get install -y ${programPackages[program]}\` (as .ci/run does)`,
  );
}

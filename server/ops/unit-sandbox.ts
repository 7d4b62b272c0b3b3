import path from 'node:path';

/**
 * The parts of the systemd unit that depend on where media and data live. The hardening
 * lines hide or freeze whole trees (ProtectHome, PrivateTmp, ProtectSystem=strict); a
 * folder inside one of them makes the service fail at start (226/NAMESPACE) or see an empty
 * folder, so they are loosened exactly as far as the paths given need. Pure.
 */
export interface UnitSandbox {
  protectHome: 'yes' | 'read-only';
  privateTmp: 'yes' | 'no';
  /** Lines about the data folder (StateDirectory, or ReadWritePaths and how it gets created). */
  dataLines: string[];
}

export class UnitPathError extends Error {}

const HOME_TREES = ['/home', '/root', '/run/user'];
const TMP_TREES = ['/tmp', '/var/tmp'];
const KERNEL_TREES = ['/proc', '/sys', '/dev'];
const STATE_ROOT = '/var/lib';

export function isUnder(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}

export function unitSandbox(
  media: string,
  data: string,
  word: (value: string) => string,
): UnitSandbox {
  for (const [what, folder] of [
    ['media', media],
    ['data', data],
  ] as const) {
    if (!path.isAbsolute(folder))
      throw new UnitPathError(`the ${what} folder must be an absolute path, got ${folder}`);
    if ([...folder].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f))
      throw new UnitPathError(
        `the ${what} folder holds a control character; systemd cannot name it`,
      );
    if (KERNEL_TREES.some((tree) => isUnder(folder, tree)))
      throw new UnitPathError(
        `the ${what} folder ${folder} is a kernel file system, not a folder spis can use`,
      );
  }
  const inHome = [media, data].some((folder) => HOME_TREES.some((tree) => isUnder(folder, tree)));
  const inTmp = [media, data].some((folder) => TMP_TREES.some((tree) => isUnder(folder, tree)));
  return {
    protectHome: inHome ? 'read-only' : 'yes',
    privateTmp: inTmp ? 'no' : 'yes',
    dataLines: dataLines(data, word),
  };
}

function dataLines(data: string, word: (value: string) => string): string[] {
  if (isUnder(data, STATE_ROOT) && data !== STATE_ROOT) {
    const relative = path.relative(STATE_ROOT, data);
    return [
      `# The data folder ${data}: created and owned for the spis user by systemd.`,
      `StateDirectory=${word(relative)}`,
      'StateDirectoryMode=0700',
    ];
  }
  // Outside /var/lib systemd creates nothing, and ProtectSystem=strict would stop spis from
  // creating it: the `+` runs this one command unsandboxed, as root, before every start.
  return [
    `# The data folder ${data}: created for the spis user before each start (the "+" runs`,
    '# that one command as root, outside the sandbox), then the only writable path.',
    `ExecStartPre=+/usr/bin/install -d -o spis -g spis -m 0700 ${word(data)}`,
    `ReadWritePaths=${word(data)}`,
  ];
}

import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';

export interface CheckResult {
  level: 'ok' | 'warn' | 'error';
  message: string;
}

/**
 * Checks of the machine a valid configuration will run on: the things that otherwise
 * surface as a crash loop under systemd (unreadable media, unwritable data, missing TLS
 * files). Read-only: nothing is created.
 */
export async function checkEnvironment(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  results.push(await checkFolder('media', config.media, constants.R_OK | constants.X_OK, 'readable'));
  results.push(await checkData(config.data));
  for (const [name, file] of [['tls.cert', config.tls.cert], ['tls.key', config.tls.key]] as const) {
    if (file) results.push(await checkFile(name, file));
  }
  if (Boolean(config.tls.cert) !== Boolean(config.tls.key)) {
    results.push({ level: 'error', message: 'tls: cert and key must be given together' });
  }
  return results;
}

async function checkFolder(name: string, folder: string, mode: number, what: string): Promise<CheckResult> {
  const info = await stat(folder).catch(() => null);
  if (!info) return { level: 'warn', message: `${name} ${folder}: does not exist yet` };
  if (!info.isDirectory()) return { level: 'error', message: `${name} ${folder}: is not a folder` };
  const ok = await access(folder, mode).then(() => true, () => false);
  return ok ? { level: 'ok', message: `${name} ${folder}: ${what}` } : { level: 'error', message: `${name} ${folder}: not ${what} by this user` };
}

async function checkData(folder: string): Promise<CheckResult> {
  const info = await stat(folder).catch(() => null);
  if (info) return checkFolder('data', folder, constants.W_OK | constants.X_OK, 'writable');
  // It will be created: the nearest existing parent must be writable.
  let parent = path.dirname(folder);
  let found = await stat(parent).catch(() => null);
  while (!found && parent !== path.dirname(parent)) {
    parent = path.dirname(parent);
    found = await stat(parent).catch(() => null);
  }
  const ok = found?.isDirectory() === true && (await access(parent, constants.W_OK).then(() => true, () => false));
  return ok
    ? { level: 'ok', message: `data ${folder}: will be created` }
    : { level: 'error', message: `data ${folder}: does not exist and ${parent} is not a writable folder` };
}

async function checkFile(name: string, file: string): Promise<CheckResult> {
  const ok = await access(file, constants.R_OK).then(() => true, () => false);
  return ok ? { level: 'ok', message: `${name} ${file}: readable` } : { level: 'error', message: `${name} ${file}: cannot be read` };
}

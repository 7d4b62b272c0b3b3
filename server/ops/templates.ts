import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { projectRoot } from '../version.js';

/** Deployment files `spis template NAME` prints, each rendered for the current config. */
export const templateFiles = {
  nginx: 'nginx.conf',
  caddy: 'Caddyfile',
  systemd: 'spis.service',
  'docker-compose': 'docker-compose.yml',
} as const;

export type TemplateName = keyof typeof templateFiles;

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(templateFiles, name);
}

export interface TemplateContext {
  config: Config;
  /** The config file the settings came from, if any. */
  configFile: string | null;
  /** Where spis is installed (bin/spis.js lives below it). */
  root?: string;
  /** The node binary systemd should run. */
  node?: string;
}

/** The values templates may use; derived from the validated config only. Pure. */
export function templateVars({ config, configFile, root = projectRoot, node = '/usr/bin/node' }: TemplateContext): Record<string, string> {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const upstream = `${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  const publicHost = publicHostOf(config.publicUrl);
  return {
    root,
    node,
    media: config.media,
    data: config.data,
    host: config.host,
    port: String(config.port),
    upstream,
    timezone: config.timezone,
    trustProxy: String(config.trustProxy),
    serverName: publicHost ?? '_',
    caddyAddress: publicHost ?? `:80`,
    // systemd unit values: quoted when a path has spaces, `%` escaped (unit specifiers).
    unitExec: `${unitWord(node)} ${unitWord(path.join(root, 'bin', 'spis.js'))}`,
    unitMedia: unitWord(config.media),
    unitMediaEnv: unitWord(`SPIS_MEDIA=${config.media}`),
    unitDataEnv: unitWord(`SPIS_DATA=${config.data}`),
    configLine: configFile
      ? `Environment=${unitWord(`SPIS_CONFIG=${path.resolve(configFile)}`)}`
      : '# Environment=SPIS_CONFIG=/etc/spis/config.json',
    dataLine:
      config.data === '/var/lib/spis'
        ? '# The data folder is the StateDirectory above.'
        : `ReadWritePaths=${unitWord(config.data)}`,
  };
}

/** One word of a unit file setting: `%` doubled, quoted if it holds spaces or quotes. Pure. */
export function unitWord(value: string): string {
  const escaped = value.replace(/%/g, '%%');
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : escaped;
}

function publicHostOf(publicUrl: string): string | null {
  if (!publicUrl) return null;
  try {
    return new URL(publicUrl).hostname || null;
  } catch {
    return null;
  }
}

/** Replaces `{{name}}`; an unknown name is a bug in the template, so it throws. Pure. */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template uses unknown value {{${name}}}`);
    return value;
  });
}

export async function readTemplate(name: TemplateName, root = projectRoot): Promise<string> {
  return readFile(path.join(root, 'config', 'templates', templateFiles[name]), 'utf8');
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { configSchema, type Config } from '../config/schema.js';
import { projectRoot } from '../version.js';
import { carriedSettings, FILE_SETTINGS, settingAt, type CarriedSetting } from './template-settings.js';
import { unitSandbox } from './unit-sandbox.js';

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
  /**
   * The configuration the file alone gives (the defaults without a file). Settings of
   * `config` that differ from it came from flags or `SPIS_*`, and the unit and compose
   * files state them. Without it, every setting that differs from the defaults is stated.
   */
  baseline?: Config;
  /** Where spis is installed (bin/spis.js lives below it). */
  root?: string;
  /** The node binary systemd should run. */
  node?: string;
}

/** The one place the proxies' upload limit comes from: spis's own `uploads.maxBytes`. */
export function uploadMaxBytes(config: Config): number {
  return config.uploads.maxBytes;
}

/** nginx size for a body of `bytes`, with 1 MiB headroom for multipart framing. Pure. */
export function nginxBodySize(bytes: number): string {
  return `${Math.ceil(bytes / MIB) + 1}m`;
}

const MIB = 1024 * 1024;

/** The values templates may use; derived from the validated config only. Pure. */
export function templateVars({ config, configFile, baseline, root = projectRoot, node = '/usr/bin/node' }: TemplateContext): Record<string, string> {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const upstream = `${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  const site = publicSite(config.publicUrl);
  const carried = carriedSettings(config, baseline ?? configSchema.parse({}));
  const upstreamTls = config.tls.cert !== '' && config.tls.key !== '';
  const sandbox = unitSandbox(config.media, config.data, unitWord);
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
    serverName: site?.hostname ?? '_',
    ...proxyVars(config, site, upstream, upstreamTls),
    // systemd unit values: quoted when a path has spaces, `%` escaped (unit specifiers).
    unitExec: `${unitWord(node)} ${unitWord(path.join(root, 'bin', 'spis.js'))}`,
    unitMedia: unitWord(config.media),
    unitMediaEnv: unitWord(`SPIS_MEDIA=${config.media}`),
    unitDataEnv: unitWord(`SPIS_DATA=${config.data}`),
    unitSettings: unitSettings(carried),
    configLine: configFile
      ? `Environment=${unitWord(`SPIS_CONFIG=${path.resolve(configFile)}`)}`
      : '# Environment=SPIS_CONFIG=/etc/spis/config.json',
    dataLines: sandbox.dataLines.join('\n'),
    protectHome: sandbox.protectHome,
    privateTmp: sandbox.privateTmp,
    ...composeVars(config, configFile, carried, root),
  };
}

/** Settings the unit states as `Environment=` beyond media, data, host and port. */
const UNIT_FIXED = new Set(['media', 'data', 'host', 'port']);

function unitSettings(carried: readonly CarriedSetting[]): string {
  const lines = carried.filter(({ spec }) => !UNIT_FIXED.has(spec.path)).map(({ spec, value }) => `Environment=${unitWord(`${spec.env}=${value}`)}`);
  // Journald takes JSON lines; a format given on purpose wins.
  if (!carried.some(({ spec }) => spec.path === 'log.format')) lines.unshift('Environment=SPIS_LOG_FORMAT=json');
  return lines.join('\n');
}

interface PublicSite {
  scheme: 'http' | 'https';
  hostname: string;
  port: number;
  explicitPort: boolean;
}

function publicSite(publicUrl: string): PublicSite | null {
  if (!publicUrl || !URL.canParse(publicUrl)) return null;
  const url = new URL(publicUrl);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null;
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  return { scheme, hostname: url.hostname, port: url.port ? Number(url.port) : scheme === 'https' ? 443 : 80, explicitPort: url.port !== '' };
}

/** Listening side from publicUrl (scheme, host, port); upstream side from host, port and tls. */
function proxyVars(config: Config, site: PublicSite | null, upstream: string, upstreamTls: boolean): Record<string, string> {
  const port = site?.port ?? 80;
  const ssl = site?.scheme === 'https' ? ' ssl' : '';
  const nginxTls =
    site?.scheme === 'https'
      ? [
          `    # Certificate for ${site.hostname}, e.g. \`certbot certonly --standalone -d ${site.hostname}\``,
          '    # (or point these two lines at your own files).',
          `    ssl_certificate /etc/letsencrypt/live/${site.hostname}/fullchain.pem;`,
          `    ssl_certificate_key /etc/letsencrypt/live/${site.hostname}/privkey.pem;`,
        ].join('\n')
      : '    # Plain HTTP, as publicUrl says; with an https:// publicUrl this file sets up TLS.';
  const caddyAddress = site ? `${site.scheme}://${site.hostname}${site.explicitPort ? `:${site.port}` : ''}` : 'http://:80';
  const caddyTls =
    site?.scheme === 'https'
      ? '\t# Caddy gets and renews the certificate itself; to use your own files instead:\n\t# tls /etc/ssl/certs/spis.pem /etc/ssl/private/spis.key'
      : '\t# Plain HTTP, as publicUrl says (no automatic HTTPS for an http:// address).';
  return {
    nginxListen: `    listen ${port}${ssl};\n    listen [::]:${port}${ssl};`,
    nginxTls,
    nginxUpstreamScheme: upstreamTls ? 'https' : 'http',
    uploadBodySize: nginxBodySize(uploadMaxBytes(config)),
    uploadBodyBytes: String(uploadMaxBytes(config) + MIB),
    caddyAddress,
    caddyTls,
    caddyUpstream: upstreamTls
      ? `https://${upstream} {\n\t\t# spis serves TLS itself on loopback (tls.cert): its certificate names the public host.\n\t\ttransport http {\n\t\t\ttls_insecure_skip_verify\n\t\t}\n\t}`
      : upstream,
    trustProxyNote: config.trustProxy
      ? 'trustProxy is on in this configuration, as it must be behind this proxy.'
      : 'WARNING: trustProxy is off in this configuration: turn it on (--trust-proxy) or every client looks like this proxy.',
  };
}

/** Compose: the container's own paths and port; host files the settings name mounted read-only. */
const COMPOSE_FIXED = new Set(['media', 'data', 'host', 'port', 'allowAnonymousRemote', 'timezone', 'trustProxy', 'log.format']);

function composeVars(config: Config, configFile: string | null, carried: readonly CarriedSetting[], root: string): Record<string, string> {
  const env = carried.filter(({ spec }) => !COMPOSE_FIXED.has(spec.path)).map(({ spec, value }) => `      ${spec.env}: ${composeString(value)}`);
  const mounts = new Set<string>();
  for (const setting of FILE_SETTINGS) {
    const file = settingAt(config, setting);
    if (typeof file === 'string' && file !== '') mounts.add(path.resolve(file));
  }
  if (configFile) {
    const file = path.resolve(configFile);
    mounts.add(file);
    env.push(`      SPIS_CONFIG: ${composeString(file)}`);
  }
  const loopback = isLoopbackHost(config.host);
  const bracketed = config.host.includes(':') ? `[${config.host}]` : config.host;
  const publish = config.host === 'localhost' ? '127.0.0.1:' : config.host === '0.0.0.0' || config.host === '::' ? '' : `${bracketed}:`;
  const defaultData = path.resolve(configSchema.parse({}).data);
  return {
    composeBuildContext: composeString(root),
    composePorts: composeString(`${publish}${config.port}:8080`),
    composeAnonymous: String(loopback || config.allowAnonymousRemote),
    composeLogFormat: composeString(carried.some(({ spec }) => spec.path === 'log.format') ? config.log.format : 'json'),
    composeSettings: env.join('\n'),
    composeHealthcheck: composeHealthcheck(config.tls.cert !== ''),
    composeMediaVolume: composeString(`${config.media}:/media:ro`),
    composeDataVolume: config.data === defaultData ? 'spis-data:/data' : composeString(`${config.data}:/data`),
    composeMounts: [...mounts].map((file) => `      - ${composeString(`${file}:${file}:ro`)}`).join('\n'),
  };
}

/**
 * The probe inside the container. With tls.cert spis answers HTTPS only; its certificate
 * names the public host, not 127.0.0.1, so this one loopback check skips verification.
 */
function composeHealthcheck(tls: boolean): string {
  const probe = tls
    ? "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; fetch('https://127.0.0.1:8080/probe/ready')"
    : "fetch('http://127.0.0.1:8080/probe/ready')";
  const words = ['CMD', 'node', '-e', `${probe}.then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];
  return `[${words.map((word) => JSON.stringify(word)).join(', ')}]`;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A YAML double-quoted string (JSON is valid YAML) with `$` doubled for compose's interpolation. */
function composeString(value: string): string {
  return JSON.stringify(value.replace(/\$/g, '$$$$'));
}

/** One word of a unit file setting: `%` doubled, quoted if it holds spaces or quotes. Pure. */
export function unitWord(value: string): string {
  const escaped = value.replace(/%/g, '%%');
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : escaped;
}

/** Replaces `{{name}}`; an unknown name is a bug in the template, so it throws. Pure. */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>): string {
  // A line that is only a placeholder for an empty list of lines disappears with it.
  const withoutEmptyLines = text.replace(/^\{\{(\w+)\}\}\n/gm, (line, name: string) => (vars[name] === '' ? '' : line));
  return withoutEmptyLines.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template uses unknown value {{${name}}}`);
    return value;
  });
}

export async function readTemplate(name: TemplateName, root = projectRoot): Promise<string> {
  return readFile(path.join(root, 'config', 'templates', templateFiles[name]), 'utf8');
}

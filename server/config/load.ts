import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema, type Config } from './schema.js';
import { options, type OptionSpec } from './options.js';
import { interpolateEnv } from './interpolate.js';

/** Thrown with every problem found, so the operator fixes a config in one pass. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Flag values keyed by config path (see options.ts); strings as typed, booleans as parsed. */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file; falls back to env SPIS_CONFIG. */
  file?: string | undefined;
  /** An already-parsed object merged above the file (used by tests and the composition root). */
  overrides?: Record<string, unknown>;
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  file: string | null;
}

/** defaults ← JSON file ← SPIS_* environment ← flags, validated once. */
export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const problems: string[] = [];
  const file = sources.file ?? env.SPIS_CONFIG ?? null;

  let merged: Record<string, unknown> = {};
  if (file) merged = readConfigFile(path.resolve(cwd, file), env, problems);
  if (sources.overrides) merged = deepMerge(merged, sources.overrides);
  merged = deepMerge(merged, fromEnv(env, problems));
  merged = deepMerge(merged, fromFlags(sources.flags ?? {}, problems));

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = issue.path.join('.') || '(root)';
      problems.push(`${where}: ${issue.message}${describeSource(issue.path)}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);

  const config = parsed.data;
  config.media = path.resolve(cwd, config.media);
  config.data = path.resolve(cwd, config.data);
  return { config, file };
}

function readConfigFile(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`config file ${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    problems.push(`config file ${file}: not valid JSON (${(error as Error).message})`);
    return {};
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    problems.push(`config file ${file}: must hold a JSON object`);
    return {};
  }
  return interpolateEnv(json, env, problems) as Record<string, unknown>;
}

function fromEnv(env: Readonly<Record<string, string | undefined>>, problems: string[]) {
  const out: Record<string, unknown> = {};
  for (const spec of options) {
    const raw = env[spec.env];
    if (raw === undefined || raw === '') continue;
    const value = convert(spec, raw, `environment ${spec.env}`, problems);
    if (value !== undefined) setPath(out, spec.path, value);
  }
  return out;
}

function fromFlags(flags: Readonly<Record<string, string | boolean | undefined>>, problems: string[]) {
  const out: Record<string, unknown> = {};
  for (const spec of options) {
    const raw = flags[spec.path];
    if (raw === undefined) continue;
    const value = convert(spec, raw, `flag --${spec.flag}`, problems);
    if (value !== undefined) setPath(out, spec.path, value);
  }
  return out;
}

function convert(spec: OptionSpec, raw: string | boolean, source: string, problems: string[]) {
  if (typeof raw === 'boolean') {
    if (spec.kind === 'boolean') return raw;
    problems.push(`${spec.path}: ${source} needs a value`);
    return undefined;
  }
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'list':
      return raw.split(',').map((entry) => entry.trim()).filter(Boolean);
    case 'int':
      if (/^-?\d+$/.test(raw.trim())) return Number(raw.trim());
      problems.push(`${spec.path}: expected a whole number, got ${JSON.stringify(raw)} (${source})`);
      return undefined;
    case 'boolean': {
      const lower = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
      if (['0', 'false', 'no', 'off'].includes(lower)) return false;
      problems.push(`${spec.path}: expected true or false, got ${JSON.stringify(raw)} (${source})`);
      return undefined;
    }
  }
}

function describeSource(issuePath: PropertyKey[]): string {
  const spec = options.find((o) => o.path === issuePath.join('.'));
  return spec ? ` (flag --${spec.flag}, env ${spec.env})` : '';
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function deepMerge(base: Record<string, unknown>, top: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const prev = out[key];
    const bothObjects =
      isPlainObject(prev) && isPlainObject(value);
    out[key] = bothObjects ? deepMerge(prev, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

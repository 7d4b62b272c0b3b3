import { isDeepStrictEqual } from 'node:util';
import { options, type OptionSpec } from '../config/options.js';
import type { Config } from '../config/schema.js';

/** One setting a generated file must pass on to spis, as its `SPIS_*` variable. */
export interface CarriedSetting {
  spec: OptionSpec;
  /** The value as the environment spells it (booleans `true`/`false`, lists comma-joined). */
  value: string;
}

/** Settings that name a file on the host: a container needs them mounted. */
export const FILE_SETTINGS: ReadonlySet<string> = new Set([
  'tls.cert',
  'tls.key',
  'video.ffmpeg',
  'video.ffprobe',
]);

export function settingAt(config: Config, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

export function envValue(spec: OptionSpec, value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/**
 * The flag and `SPIS_*` settings of `config` that the config file (or, without one, the
 * defaults) does not already give: what a unit or compose file must state itself, or the
 * service runs with something other than what the owner asked for. Pure.
 */
export function carriedSettings(config: Config, baseline: Config): CarriedSetting[] {
  return options
    .filter(
      (spec) => !isDeepStrictEqual(settingAt(config, spec.path), settingAt(baseline, spec.path)),
    )
    .map((spec) => ({ spec, value: envValue(spec, settingAt(config, spec.path)) }));
}

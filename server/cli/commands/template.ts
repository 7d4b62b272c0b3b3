import { configFromCommandLine, parseCommandLine } from '../args.js';
import { loadConfig } from '../../config/load.js';
import { options } from '../../config/options.js';
import { UnitPathError } from '../../ops/unit-sandbox.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { configHelp } from '../help.js';
import { isTemplateName, readTemplate, renderTemplate, templateFiles, templateVars } from '../../ops/templates.js';

const names = Object.keys(templateFiles).join('|');

/** `spis template NAME`: prints a deployment file filled in from the current configuration. */
export const templateCommand: Command = {
  name: 'template',
  summary: `print a ready ${names} file for this configuration`,
  usage: `spis template ${names} [options]\n\nPrints the file on standard output, filled in from the configuration (paths, port,\npublicUrl), e.g. \`spis template systemd --media /srv/photos > /etc/systemd/system/spis.service\`.\n\n${configHelp()}`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv);
    const [name, ...extra] = positionals;
    if (name === undefined || !isTemplateName(name) || extra.length > 0) {
      throw new UsageError(`expected one of ${names}, got ${JSON.stringify(positionals.join(' '))}`);
    }
    const { config, file } = configFromCommandLine(values);
    let vars: Record<string, string>;
    try {
      vars = templateVars({ config, configFile: file, baseline: baselineConfig(file), node: process.execPath });
    } catch (error) {
      if (error instanceof UnitPathError) throw new UsageError(error.message);
      throw error;
    }
    if ((name === 'nginx' || name === 'caddy') && !config.trustProxy) {
      process.stderr.write('warning: trustProxy is off: run spis with --trust-proxy behind this proxy, or every client looks like the proxy\n');
    }
    process.stdout.write(renderTemplate(await readTemplate(name), vars));
    return 0;
  },
};

/**
 * What the config file alone gives (the defaults without one): settings that differ from it
 * came from flags or `SPIS_*` and must be written into the generated file.
 */
function baselineConfig(file: string | null) {
  const env = { ...process.env };
  for (const spec of options) delete env[spec.env];
  delete env.SPIS_CONFIG;
  return loadConfig({ env, file: file ?? undefined }).config;
}

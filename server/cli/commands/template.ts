import { configFromCommandLine, parseCommandLine } from '../args.js';
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
    const text = renderTemplate(await readTemplate(name), templateVars({ config, configFile: file, node: process.execPath }));
    process.stdout.write(text);
    return 0;
  },
};

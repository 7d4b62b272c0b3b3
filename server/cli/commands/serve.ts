import { createSpis } from '../../app.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { configHelp } from '../help.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the gallery server (the default command)',
  usage: `spis serve [options]\n\n${configHelp()}`,
  async run(argv) {
    const { values } = parseCommandLine(argv);
    const { config } = configFromCommandLine(values);
    const spis = await createSpis(config);
    const { url } = await spis.listen();
    spis.log.info({ url, media: config.media, data: config.data }, `spis is listening on ${url}`);

    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        spis.log.info({ signal }, 'shutting down');
        resolve();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    // A stuck close must not keep a service manager waiting forever.
    const deadline = setTimeout(() => {
      spis.log.error('shutdown took longer than 10 s; exiting anyway');
      process.exit(1);
    }, 10_000);
    deadline.unref();
    await spis.close();
    return 0;
  },
};

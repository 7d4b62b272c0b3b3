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
      let stopping = false;
      const stop = (signal: string) => {
        // A second Ctrl-C (or SIGTERM) means "now": the first one's shutdown is abandoned.
        if (stopping) {
          spis.log.warn({ signal }, 'second signal: exiting without finishing the shutdown');
          process.exit(1);
        }
        stopping = true;
        spis.log.info({ signal }, 'shutting down (send the signal again to exit at once)');
        resolve();
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
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

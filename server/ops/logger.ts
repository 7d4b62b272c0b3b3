import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';

export type { Logger };

/**
 * Structured logs: JSON lines for machines (journald, Docker), readable lines on a terminal.
 * Cookies, authorization headers and passwords are redacted wherever they appear.
 */
export function createLogger(log: Config['log'], destination?: NodeJS.WritableStream): Logger {
  const pretty = log.format === 'pretty' || (log.format === 'auto' && !destination && process.stdout.isTTY);
  const options: pino.LoggerOptions = {
    level: log.level,
    base: undefined,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'res.headers["set-cookie"]',
        '*.password',
        '*.secret',
        '*.token',
      ],
      censor: '[redacted]',
    },
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } },
    });
  }
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

/** The process logger: pino JSON lines, or pretty lines on a terminal. */
import pino, { type Logger } from 'pino';

/** Creates the logger for a level; `pretty` sends lines through pino-pretty in a worker thread. */
export function createLogger(options: { level: string; pretty: boolean }): Logger {
  if (!options.pretty) return pino({ level: options.level });
  return pino({
    level: options.level,
    transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

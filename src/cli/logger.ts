/** The one logger factory: pino JSON with secrets redacted. Injected, never configured at import time. */
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

/** Paths whose values never reach a log line. */
export const redactedPaths = [
  'token', '*.token', 'password', '*.password', 'authorization', '*.authorization', 'headers.authorization',
  'kubeconfig', '*.kubeconfig', 'credentials', '*.credentials', 'data', '*.data', 'stringData', '*.stringData',
];

/** JSON lines, or pino-pretty's readable lines when a person watches a terminal (and GITFED_LOG_FORMAT is not json). */
export function createLogger(options: { destination: NodeJS.WritableStream; level?: string }): Logger {
  const tty = (options.destination as { isTTY?: boolean }).isTTY === true && process.env.GITFED_LOG_FORMAT !== 'json';
  const destination = tty ? PinoPretty({ destination: options.destination, colorize: true, sync: true }) : options.destination;
  return pino(
    {
      level: options.level ?? process.env.GITFED_LOG_LEVEL ?? 'info',
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: undefined,
    },
    destination as pino.DestinationStream,
  );
}

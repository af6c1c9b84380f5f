/** The one logger factory: pino JSON with secrets redacted. Injected, never configured at import time. */
import { pino, type Logger } from 'pino';

/** Paths whose values never reach a log line. */
export const redactedPaths = [
  'token', '*.token', 'password', '*.password', 'authorization', '*.authorization', 'headers.authorization',
  'kubeconfig', '*.kubeconfig', 'credentials', '*.credentials', 'data', '*.data', 'stringData', '*.stringData',
];

export function createLogger(options: { destination: NodeJS.WritableStream; level?: string }): Logger {
  return pino(
    {
      level: options.level ?? process.env.GITFED_LOG_LEVEL ?? 'info',
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: undefined,
    },
    options.destination as pino.DestinationStream,
  );
}

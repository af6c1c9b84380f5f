/**
 * Entry point of the lab Git server process, started detached by `startGitServer` with the same node binary.
 * Binds a free port on 127.0.0.1, reports it to the parent over IPC, serves until SIGTERM. Configuration comes from
 * the environment (GITFED_LAB_GIT_*), so the password never shows in `ps`.
 */
import { createServer } from 'node:http';
import { pino } from 'pino';
import { createGitHttpHandler } from './git-server.ts';

const env = process.env;
const required = ['GITFED_LAB_GIT_ROOT', 'GITFED_LAB_GIT_BACKEND', 'GITFED_LAB_GIT_USERNAME', 'GITFED_LAB_GIT_PASSWORD'];
const missing = required.filter((name) => !env[name]);
if (missing.length > 0) {
  process.stderr.write(`git-server-main: missing ${missing.join(', ')}; start it through startGitServer\n`);
  process.exit(2);
}

const logger = pino({ base: { component: 'git-server' }, level: env.GITFED_LOG_LEVEL ?? 'info' }, process.stdout);
const server = createServer(
  createGitHttpHandler({
    projectRoot: env.GITFED_LAB_GIT_ROOT as string,
    backend: env.GITFED_LAB_GIT_BACKEND as string,
    username: env.GITFED_LAB_GIT_USERNAME as string,
    password: env.GITFED_LAB_GIT_PASSWORD as string,
    logger,
  }),
);
server.headersTimeout = 30_000;
server.requestTimeout = 600_000;
server.keepAliveTimeout = 5_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  logger.info({ port, root: env.GITFED_LAB_GIT_ROOT }, 'lab git server listening');
  process.send?.({ port });
});

function shutdown(signal: string): void {
  logger.info({ signal }, 'lab git server stopping');
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
// The parent disconnects once it has the port; the server keeps running on its own.
process.on('disconnect', () => logger.debug('parent disconnected'));

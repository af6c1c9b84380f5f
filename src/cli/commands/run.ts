/** `gitfed run`: the daemon. Config from a file, then GITFED_* variables, then flags (later wins). */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { configFromEnv, configSchema, defaultOf, isBoolean, type DaemonConfig } from '../../daemon/config.ts';
import { runDaemon } from '../../daemon/run-daemon.ts';
import { GitfedError } from '../../model/diagnostic.ts';
import type { CliContext } from '../context.ts';

export function registerRun(program: Command, ctx: CliContext): void {
  const command = program
    .command('run')
    .description('run the reconciler: follow a Git branch (or watch a directory), apply every change to the members, correct drift, commit a status report')
    .option('--config <file>', 'YAML file with any of the settings below (keys as in docs/configuration.md)');
  for (const [key, field] of Object.entries(configSchema.shape)) {
    const flag = key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    const fallback = defaultOf(field);
    const description = `${field.description ?? ''}${fallback && !isBoolean(field) ? ` (default: ${fallback || 'empty'})` : ''}`;
    command.option(isBoolean(field) ? `--${flag}` : `--${flag} <value>`, description);
  }
  command
    .addHelpText(
      'after',
      `
Examples:
  gitfed run --repo https://git.example.com/fleet/manifests.git --kubeconfig members.kubeconfig --git-credentials-file /secrets/git
  gitfed run --repo ./manifests --kubeconfig .lab/kubeconfig        # watch a local directory

Endpoints (default 127.0.0.1:9090): /healthz, /readyz, /metrics, POST /hooks/git (with --webhook-secret-file).
Stop with SIGTERM or Ctrl-C: the reconcile in progress finishes, nothing half-written is left.`,
    )
    .action(async (flags: Record<string, unknown>) => {
      const config = await resolveConfig(flags, process.env);
      ctx.logger.level = config.logLevel;
      const daemon = await runDaemon(config, { logger: ctx.logger });
      ctx.stderr.write(`gitfed: running; endpoints at ${daemon.url} (/healthz /readyz /metrics /hooks/git)\n`);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          ctx.stderr.write(`gitfed: ${signal}: finishing the current step, then stopping\n`);
          void daemon.stop().then(resolve);
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
      });
    });
}

export async function resolveConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<DaemonConfig> {
  const { config: file, ...given } = flags;
  const fromFile = typeof file === 'string' ? ((parse(await readFile(file, 'utf8')) as Record<string, unknown> | null) ?? {}) : {};
  const merged = { ...fromFile, ...configFromEnv(env), ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`).join('; ');
    throw new GitfedError('UsageError', `invalid configuration: ${problems}`);
  }
  return parsed.data;
}

/**
 * `gitfed demo` (what `npm start` runs): the built-in default a new user sees first. Starts the local lab, pushes
 * fixtures/quickstart into the lab's Git server, runs the daemon against it, and says where to look.
 * Ctrl-C stops the daemon and the lab.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { configSchema } from '../../daemon/config.ts';
import { runDaemon } from '../../daemon/run-daemon.ts';
import { createBareRepo, gitRepoUrl, seedBareRepo, startLab, stopLab } from '../../lab/index.ts';
import type { CliContext } from '../context.ts';

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('the quickstart: a local 3-member lab, fixtures/quickstart pushed to its Git server, and the daemon following it')
    .option('--dir <dir>', 'lab folder', '.lab')
    .option('--repo <dir>', 'manifests to push into the lab Git server', 'fixtures/quickstart')
    .option('--listen <address>', 'daemon endpoints', '127.0.0.1:9090')
    .option('--keep-lab', 'leave the lab running after Ctrl-C')
    .addHelpText('after', '\nExample:\n  npm start          # the same as: npx gitfed demo\n')
    .action(async (flags: { dir: string; repo: string; listen: string; keepLab?: boolean }) => {
      const say = (line: string) => ctx.stderr.write(`gitfed demo: ${line}\n`);
      say(`starting the lab in ${flags.dir} (the first run builds Kubernetes from Go modules: ~10 minutes)`);
      const { info } = await startLab({ dir: flags.dir }, { env: process.env, logger: ctx.logger, progress: ctx.stderr });
      await createBareRepo(flags.dir, 'quickstart').catch(() => undefined); // already there on a second run
      const revision = await seedBareRepo(flags.dir, 'quickstart', flags.repo, { message: `quickstart from ${flags.repo}` });
      const url = gitRepoUrl(info.git, 'quickstart');
      const secretFile = path.join(flags.dir, 'webhook-secret');
      await writeFile(secretFile, `${info.git.password}\n`, { mode: 0o600 });
      say(`pushed ${flags.repo} to ${url} (commit ${revision.slice(0, 12)})`);

      const daemon = await runDaemon(
        configSchema.parse({ repo: url, kubeconfig: info.kubeconfig, listen: flags.listen, interval: '5s', driftInterval: '1m', webhookSecretFile: secretFile, cacheDir: path.join(flags.dir, 'repos') }),
        { logger: ctx.logger, env: { ...process.env, GITFED_GIT_USERNAME: info.git.username, GITFED_GIT_PASSWORD: info.git.password } },
      );
      await daemon.idle();
      const outcome = daemon.lastOutcome();
      if (outcome?.kind === 'applied') {
        for (const [cluster, member] of Object.entries(outcome.report.clusters)) {
          const counts = new Map<string, number>();
          for (const change of member.changes) counts.set(change.action, (counts.get(change.action) ?? 0) + 1);
          say(`${cluster}: ${[...counts].map(([action, n]) => `${n} ${action}`).join(', ') || 'nothing placed'}`);
        }
      } else if (outcome?.kind === 'failed') {
        say(`first reconcile stopped at ${outcome.stage}: ${outcome.message}`);
      }
      ctx.stdout.write(
        [
          '',
          'gitfed is running. Where to look:',
          `  status report   git clone ${url.replace('://', `://${info.git.username}:<password from ${path.join(flags.dir, 'lab.json')}>@`)}  → status/README.md`,
          `  members         export KUBECONFIG=${info.kubeconfig}; kubectl --context member1 get all -n shop`,
          `  metrics         ${daemon.url}/metrics     readiness ${daemon.url}/readyz`,
          `  change it       push to ${url}; gitfed applies within 5 s (or POST ${daemon.url}/hooks/git)`,
          'Ctrl-C stops gitfed and the lab.',
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          say('stopping');
          void daemon
            .stop()
            .then(() => (flags.keepLab ? undefined : stopLab(flags.dir)))
            .then(() => resolve());
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      });
    });
}

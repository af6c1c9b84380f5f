/**
 * `gitfed lab up|down|status|stop-apiserver|start-apiserver`: the local multi-cluster lab (real kube-apiservers,
 * etcd, controller-managers, schedulers, kwok and a smart-HTTP Git server) that tests, demos and benchmarks run
 * against; stopping one member's kube-apiserver lets a test lose that member and get it back.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { GitfedError } from '../../model/diagnostic.ts';
import {
  createProgress,
  defaultMemberCount,
  formatLabStatus,
  labProfiles,
  labStatus,
  profileOf,
  startLab,
  startMemberApiserver,
  stopLab,
  stopMemberApiserver,
} from '../../lab/index.ts';
import type { LabProfile } from '../../lab/index.ts';
import type { CliContext } from '../context.ts';

const defaultDir = '.lab';

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

function parseMembers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number of members, at least 1');
  return n;
}

function parseProfile(value: string): LabProfile {
  const profile = labProfiles.find((p) => p === value);
  if (!profile) throw new InvalidArgumentError(`expected one of ${labProfiles.join(', ')}`);
  return profile;
}

export function registerLab(program: Command, ctx: CliContext): void {
  const lab = program
    .command('lab')
    .description('Run a local multi-cluster lab: real kube-apiservers with etcd, controllers, kwok nodes and a Git server');

  lab
    .command('up')
    .description('start the lab in the background and wait until every member is ready (a running lab is left as is)')
    .option('--dir <dir>', 'lab directory (state, logs, kubeconfig, lab.json, Git repositories)', defaultDir)
    .option('--members <n>', `number of member clusters (default ${defaultMemberCount}; up to 20 full, 50 api)`, parseMembers)
    .option(
      '--profile <profile>',
      'full: kube-apiserver, controller-manager, scheduler and kwok nodes per member (workloads roll out); ' +
        'api: only a kube-apiserver per member, sharing the etcd (scale runs) (default full)',
      parseProfile,
    )
    .option('--timeout <seconds>', 'readiness timeout per component', (v) => Number(v), 90)
    .action(async (opts: { dir: string; members?: number; profile?: LabProfile; timeout: number }) => {
      if (!Number.isFinite(opts.timeout) || opts.timeout <= 0) throw new GitfedError('UsageError', '--timeout must be a positive number of seconds');
      const abort = new AbortController();
      const onSignal = () => abort.abort(new GitfedError('InternalError', 'interrupted; what was started has been stopped'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const result = await startLab(
          {
            dir: opts.dir,
            timeoutMs: opts.timeout * 1000,
            ...(opts.members !== undefined ? { members: opts.members } : {}),
            ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
          },
          { env: process.env, logger: ctx.logger, progress: ctx.stderr, signal: abort.signal },
        );
        const { info } = result;
        if (result.alreadyRunning) {
          ctx.stdout.write(`lab already running in ${opts.dir} (${info.members.length} members, started ${info.startedAt})\n`);
        } else {
          ctx.stdout.write(`lab ready in ${result.timings?.totalSeconds.toFixed(1)} s: ${info.members.length} members, profile ${profileOf(info)}\n`);
        }
        for (const m of info.members) ctx.stdout.write(`  ${m.name.padEnd(10)} ${m.server}\n`);
        ctx.stdout.write(`  git        ${info.git.url}/<name>.git (user ${info.git.username}, password in lab.json)\n`);
        ctx.stdout.write(`export KUBECONFIG=${info.kubeconfig}\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  lab
    .command('down')
    .description('stop every process of the lab (logs, PKI and Git repositories stay)')
    .option('--dir <dir>', 'lab directory', defaultDir)
    .action(async (opts: { dir: string }) => {
      const result = await stopLab(opts.dir, { progress: createProgress(ctx.stderr) });
      ctx.stdout.write(
        result.stopped.length === 0
          ? `no lab processes running in ${opts.dir}\n`
          : `stopped ${result.stopped.length} lab processes in ${opts.dir}\n`,
      );
    });

  lab
    .command('status')
    .description('show what runs in the lab; exit code 1 unless it is fully running')
    .option('--dir <dir>', 'lab directory', defaultDir)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { dir: string; output: string }) => {
      if (opts.output !== 'text' && opts.output !== 'json') throw new GitfedError('UsageError', `-o must be text or json, not ${opts.output}`);
      const status = await labStatus(opts.dir, { probe: true });
      if (opts.output === 'json') {
        const { info, ...rest } = status;
        // The Git password stays in lab.json; status output may end up in CI logs.
        const shown = info ? { ...rest, info: { ...info, git: { ...info.git, password: '[redacted]' } } } : rest;
        ctx.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      } else {
        ctx.stdout.write(formatLabStatus(status));
      }
      if (status.state !== 'running' || status.members.some((m) => m.ready === false)) ctx.fail('problems');
    });

  lab
    .command('stop-apiserver')
    .description("stop one member's kube-apiserver (its controllers keep running and reconnect once it is back)")
    .requiredOption('--member <name>', 'the member, e.g. member2')
    .option('--dir <dir>', 'lab directory', defaultDir)
    .addHelpText(
      'after',
      `
The member's objects stay in etcd and its port, certificates and etcd prefix are kept, so
\`gitfed lab start-apiserver\` brings the same member back and every kubeconfig stays valid.
While it is stopped, \`gitfed lab status\` reports the lab as degraded.

Example:
  gitfed lab stop-apiserver --dir .lab --member member2`,
    )
    .action(async (opts: { dir: string; member: string }) => {
      const result = await stopMemberApiserver(opts.dir, opts.member);
      ctx.stdout.write(
        result.stopped
          ? `stopped ${result.member}'s kube-apiserver (${result.server})\n`
          : `${result.member}'s kube-apiserver was not running (${result.server})\n`,
      );
    });

  lab
    .command('start-apiserver')
    .description("start one member's stopped kube-apiserver again and wait until it is ready")
    .requiredOption('--member <name>', 'the member, e.g. member2')
    .option('--dir <dir>', 'lab directory', defaultDir)
    .option('--timeout <seconds>', 'readiness timeout', parseSeconds, 90)
    .addHelpText(
      'after',
      `
Starts it with the command line it last ran with (same port, certificates and etcd prefix) and waits until
/readyz answers 200 to the admin credentials. A kube-apiserver that already runs is left as is.

Example:
  gitfed lab start-apiserver --dir .lab --member member2`,
    )
    .action(async (opts: { dir: string; member: string; timeout: number }) => {
      const result = await startMemberApiserver(opts.dir, opts.member, { timeoutMs: opts.timeout * 1000 });
      ctx.stdout.write(
        result.alreadyRunning
          ? `${result.member}'s kube-apiserver is already running (${result.server})\n`
          : `${result.member}'s kube-apiserver ready again in ${result.readySeconds.toFixed(1)} s (${result.server})\n`,
      );
    });
}

/** `gitfed apply`: make every member hold what the repository renders for it. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { applyAll, blockingErrors, isFullyApplied, memberFailureDiagnostics, type ApplyReport } from '../../apply/apply-all.ts';
import { waitForHealthy } from '../../apply/wait-for-healthy.ts';
import { closeMembers, connectMembers } from '../../cluster/connect-members.ts';
import { createFleetLimits, defaultFleetLimits } from '../../cluster/fleet-limits.ts';
import { defaultDeletionGuard } from '../../plan/deletion-guard.ts';
import { countActions, isPropagated } from '../../plan/change-set.ts';
import { render } from '../../render/render.ts';
import { loadRepo } from '../../source/load-repo.ts';
import type { CliContext } from '../context.ts';
import { splitDiagnostics, writeDiagnostics } from '../format-diagnostics.ts';
import { addMemberSourceOptions, discoverMembers, fleetModel, heldBackLines, type MemberSourceFlags } from '../member-source.ts';
import { parseDuration } from '../parse-duration.ts';
import { startProgress } from '../progress-display.ts';

interface ApplyFlags extends MemberSourceFlags {
  repo: string;
  kubeconfig?: string;
  dryRun?: boolean;
  wait?: boolean;
  timeout: string;
  adopt?: boolean;
  allowMassDeletion?: boolean;
  conflicts: 'force' | 'fail';
  instance: string;
  requestTimeout: string;
  maxRequestsInFlight: number;
  memberRequestsInFlight: number;
  memberQps: number;
  output: 'text' | 'json';
}

export function registerApply(program: Command, ctx: CliContext): void {
  const command = program.command('apply');
  addMemberSourceOptions(command)
    .description('server-side apply the rendered objects to every member, prune what left Git, report per cluster')
    .option('--repo <dir>', 'repository (or sub-folder) holding the manifests', '.')
    .option('--kubeconfig <file>', 'kubeconfig with one context per member, named after the cluster (default: KUBECONFIG, ~/.kube/config)')
    .option('--dry-run', 'decide every change with server-side dry-runs and persist nothing')
    .option('--wait', 'after applying, wait until every applied object is healthy (Current)')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .option('--adopt', 'take over pre-existing member objects that carry no gitfed marks')
    .option('--allow-mass-deletion', 'let this apply delete more than the deletion guard allows')
    .addOption(new Option('--conflicts <policy>', 'fields another manager took (hand edits): take back, or fail').choices(['force', 'fail']).default('force'))
    .option('--instance <name>', 'gitfed instance name (ownership annotation and inventory)', 'gitfed')
    .option('--request-timeout <duration>', 'deadline of each request to a member; a member that does not answer in time is reported ClusterNotReady', '30s')
    .option('--max-requests-in-flight <n>', 'requests in flight at once across every member, served to the members in turn', parseCount, defaultFleetLimits.maxInFlight)
    .option('--member-requests-in-flight <n>', 'requests in flight at once to one member (never more than half of --max-requests-in-flight)', parseCount, defaultFleetLimits.memberInFlight)
    .option('--member-qps <n>', 'requests a second to one member, with bursts of twice as many', parseCount, defaultFleetLimits.memberQps)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Examples:
  gitfed apply --repo fixtures/quickstart --kubeconfig .lab/kubeconfig
  gitfed apply --repo . --dry-run -o json
  gitfed apply --repo . --wait --timeout 2m
  gitfed apply --repo . --members-from capi --management-context mgmt   # also every Cluster API cluster

Exit codes: 0 everything applied, 1 load errors (nothing applied) or some object/member failed, 2 usage errors.`,
    )
    .action(async (flags: ApplyFlags) => {
      const { model, credentials, fleet } = fleetModel(await loadRepo(flags.repo), await discoverMembers(flags, { logger: ctx.logger }));
      ctx.stderr.write(heldBackLines(fleet));
      const rendered = render(model, { instance: flags.instance });
      writeDiagnostics(ctx.stderr, rendered.diagnostics, flags.repo);
      const blocking = blockingErrors(rendered.diagnostics);
      if (blocking.length > 0) {
        ctx.stderr.write(`gitfed: ${blocking.length} load error(s); nothing was applied\n`);
        if (flags.output === 'json') ctx.stdout.write(`${JSON.stringify({ revision: model.revision, clusters: {}, ...splitDiagnostics(rendered.diagnostics) }, null, 2)}\n`);
        ctx.fail('problems');
        return;
      }
      const timeoutMs = parseDuration(flags.requestTimeout);
      const connections = await connectMembers(
        model.clusters.map((cluster) => cluster.name),
        { kubeconfig: flags.kubeconfig, client: { timeoutMs, probeTimeoutMs: Math.min(timeoutMs, 3_000), fleet: createFleetLimits({ maxInFlight: flags.maxRequestsInFlight, memberInFlight: flags.memberRequestsInFlight, memberQps: flags.memberQps }) }, ...(credentials ? { credentials } : {}) },
        { logger: ctx.logger },
      );
      // Live progress on stderr, only on a terminal and never with -o json (cli/progress-display.ts).
      const progress = startProgress(ctx, { output: flags.output, members: Object.keys(rendered.clusters) });
      try {
        const report = await applyAll(rendered, model.clusters, connections, {
          instance: flags.instance,
          dryRun: flags.dryRun ?? false,
          adopt: flags.adopt ?? false,
          conflicts: flags.conflicts,
          deletionGuard: defaultDeletionGuard,
          allowMassDeletion: flags.allowMassDeletion ?? false,
          ...(progress ? { onProgress: progress.sink } : {}),
        }).finally(() => progress?.finish());
        const failures = memberFailureDiagnostics(report);
        writeDiagnostics(ctx.stderr, failures, flags.repo);
        let healthy = true;
        if (flags.wait && !flags.dryRun) {
          const { waitFor, notApplied } = appliedObjects(report);
          if (notApplied.length > 0) {
            ctx.stderr.write(`gitfed: not waiting for ${notApplied.length} object(s) that did not apply: ${notApplied.slice(0, 10).join(', ')}${notApplied.length > 10 ? ', …' : ''}\n`);
          }
          healthy = await waitForHealthy(rendered, connections, { only: waitFor, timeoutMs: parseDuration(flags.timeout), instance: flags.instance, progress: ctx.stderr });
        }
        if (flags.output === 'json') {
          const diagnostics = splitDiagnostics([...rendered.diagnostics, ...failures]);
          ctx.stdout.write(`${JSON.stringify({ revision: report.revision, clusters: report.clusters, ...diagnostics }, null, 2)}\n`);
        } else {
          ctx.stdout.write(formatApplyReport(report, flags.dryRun ?? false));
        }
        if (!isFullyApplied(report) || !healthy || rendered.diagnostics.some((d) => d.severity === 'error')) ctx.fail('problems');
      } finally {
        await closeMembers(connections);
      }
    });
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number, at least 1');
  return Number(value);
}

/** `--wait` waits for what applied; what did not is named at once, never waited for. */
function appliedObjects(report: ApplyReport): { waitFor: Map<string, Set<string>>; notApplied: string[] } {
  const waitFor = new Map<string, Set<string>>();
  const notApplied: string[] = [];
  for (const [cluster, member] of Object.entries(report.clusters)) {
    const ids = new Set<string>();
    for (const change of member.changes) {
      if (change.action === 'deleted') continue;
      if (isPropagated(change)) ids.add(change.id);
      else notApplied.push(`${cluster}:${change.id} (${change.propagation})`);
    }
    waitFor.set(cluster, ids);
  }
  return { waitFor, notApplied };
}

export function formatApplyReport(report: ApplyReport, dryRun: boolean): string {
  const lines: string[] = [];
  for (const [cluster, member] of Object.entries(report.clusters)) {
    const counts = countActions(member.changes);
    const summary = Object.entries(counts).filter(([, n]) => n > 0).map(([action, n]) => `${n} ${action}`).join(', ') || 'nothing to do';
    lines.push(`${cluster}: ${member.reachable ? summary : `not reachable (${member.message ?? 'unknown reason'})`}${dryRun ? ' (dry run)' : ''}`);
    for (const failure of member.failures ?? []) lines.push(`  ${'failed'.padEnd(10)} ${failure.stage}: ${failure.message}`);
    for (const change of member.changes) {
      if (change.action === 'unchanged' && change.propagation === 'ClusterPropagationOK') continue;
      const status = change.propagation === 'ClusterPropagationOK' ? '' : ` ${change.propagation}`;
      const fields = change.fields?.length ? ` [${change.fields.slice(0, 5).join(', ')}${change.fields.length > 5 ? ', …' : ''}]` : '';
      const drift = change.drift ? ' (drift corrected)' : '';
      const message = change.message ? `: ${change.message}` : '';
      lines.push(`  ${change.action.padEnd(10)} ${change.id}${status}${fields}${drift}${message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

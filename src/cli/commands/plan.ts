/** `gitfed plan`: what a change between two revisions does to each member cluster, for pull-request review. */
import { governedIds } from '../../rollout/governed-objects.ts';
import { planRollout } from '../../rollout/plan-rollout.ts';
import { Option, type Command } from 'commander';
import { applyAll, blockingErrors } from '../../apply/apply-all.ts';
import { closeMembers, connectMembers } from '../../cluster/connect-members.ts';
import type { Diagnostic } from '../../model/diagnostic.ts';
import type { Model } from '../../model/types.ts';
import { defaultDeletionGuard } from '../../plan/deletion-guard.ts';
import { formatPlanMarkdown } from '../../plan/format-plan-markdown.ts';
import { formatPlanJson, hasChanges, planRevisions, withLive, type RevisionInput } from '../../plan/plan-revisions.ts';
import { isSecretKind, redactorFor } from '../../model/secret-values.ts';
import { splitPath } from '../../source/read-git-snapshot.ts';
import { openLocalRepo, renderRevision, renderRevisionApart, resolveRevision, type RenderedRevision, type RenderRevisionOptions } from '../../source/read-revision.ts';
import type { CliContext } from '../context.ts';
import { writeDiagnostics } from '../format-diagnostics.ts';
import { addMemberSourceOptions, discoverMembers, fleetModel, heldBackLines, type MemberSourceFlags } from '../member-source.ts';
import { render } from '../../render/render.ts';
import { startProgress } from '../progress-display.ts';
import { addKubeVersionOption, validateMembers } from '../validation.ts';

interface PlanFlags extends MemberSourceFlags {
  kubeVersion: string;
  repo: string;
  base: string;
  head: string;
  output: 'markdown' | 'json';
  detailedExitcode?: boolean;
  path?: string;
  reportPath: string;
  instance: string;
  live?: boolean;
  kubeconfig?: string;
  parallel: boolean;
}

export function registerPlan(program: Command, ctx: CliContext): void {
  const command = program.command('plan');
  addKubeVersionOption(addMemberSourceOptions(command))
    .description('compare two revisions of a repository per member cluster (objects added, removed, changed; placement; replica splits) for pull-request review')
    .option('--repo <dir>', 'local Git repository (work tree or bare) holding both revisions', '.')
    .requiredOption('--base <ref>', 'revision before the change: branch, tag, commit id, HEAD~1 …')
    .requiredOption('--head <ref>', 'revision after the change')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['markdown', 'json']).default('markdown'))
    .option('--detailed-exitcode', 'exit 2 when the plan has changes (0 when none, 1 on errors at head)')
    .option('--path <subdir>', 'folder of the repository holding the manifests (default: the root)')
    .option('--report-path <dir>', 'report folder, relative to --path, never read as manifests', 'status')
    .option('--instance <name>', 'gitfed instance name (ownership annotation; inventory with --live)', 'gitfed')
    .option('--live', "also compare head with what the members hold now (server-side dry-run; writes nothing), and validate head against the schemas each member publishes")
    .option('--kubeconfig <file>', 'with --live: kubeconfig with one context per member, named after the cluster (default: KUBECONFIG, ~/.kube/config)')
    .option('--no-parallel', 'render the two revisions one after the other instead of on two threads')
    .addHelpText(
      'after',
      `
Reads both revisions straight from the Git object database (no checkout); the clone must hold both commits
(actions/checkout: fetch-depth: 0).

Examples:
  gitfed plan --base main --head HEAD
  gitfed plan --repo . --base origin/main --head HEAD -o json | jq '.clusters | map_values(.added)'
  gitfed plan --base HEAD~1 --head HEAD --live --kubeconfig ~/.kube/members

Exit codes: 0 success, 1 errors at head (or a member not reachable with --live), 2 with --detailed-exitcode when
something changes (and for usage errors).`,
    )
    .action(async (flags: PlanFlags) => {
      const repo = await openLocalRepo(flags.repo);
      const [baseRevision, headRevision] = [await resolveRevision(repo, flags.base), await resolveRevision(repo, flags.head)];
      const options: RenderRevisionOptions = {
        ...(flags.path ? { path: flags.path } : {}),
        reportPath: flags.reportPath,
        instance: flags.instance,
      };
      const started = performance.now();
      const timed = <T>(revision: string, work: Promise<T>): Promise<T> =>
        work.then((result) => {
          ctx.logger.debug({ revision, ms: Math.round(performance.now() - started) }, 'revision read, loaded and rendered');
          return result;
        });
      // With --members-from capi the base is re-rendered onto the fleet here, which needs its whole model: no worker.
      const apart = flags.parallel && flags.membersFrom !== 'capi';
      const [gitBase, gitHead] = await Promise.all([
        timed(baseRevision, apart ? renderRevisionApart(repo, baseRevision, options) : renderRevision(repo, baseRevision, options)),
        timed(headRevision, renderRevision(repo, headRevision, options)),
      ]);
      // With --members-from capi both revisions place onto the fleet as the management cluster has it now.
      const discovery = await discoverMembers(flags, { logger: ctx.logger });
      const onFleet = (model: Model): RenderedRevision => ({ ...render(model, { instance: flags.instance }), model });
      const { model: headModel, credentials, fleet } = fleetModel(gitHead.model, discovery);
      const unvalidated = discovery ? onFleet(headModel) : gitHead;
      // Head's member objects against the schemas (the PR comment lists what a member would refuse); base is not validated.
      const head: RenderedRevision = { ...(await validateMembers(unvalidated, unvalidated.model, flags)), model: unvalidated.model };
      const base: RevisionInput = discovery ? onFleet(fleetModel((gitBase as RenderedRevision).model, discovery).model) : gitBase;
      ctx.stderr.write(heldBackLines(fleet));
      // Diagnostics name files relative to --path; a reviewer reads paths from the repository root.
      const prefix = splitPath(flags.path ?? '').join('/');
      const redactor = redactorFor(secretsOf(base, head));
      // Messages may quote manifests: no Secret value goes to stdout or stderr.
      const diagnostics = head.diagnostics.map((d) => ({ ...withPrefix(d, prefix), message: redactor.text(d.message) }));
      let plan = planRevisions(base, { ...head, diagnostics }, { deletionGuard: defaultDeletionGuard });
      if (head.model.rollout) {
        const governed = governedIds(head.model, head.model.rollout);
        plan = { ...plan, rollout: planRollout(head.model.rollout, head.model.clusters, base.clusters, head.clusters, governed) };
      }
      ctx.logger.debug({ ms: Math.round(performance.now() - started), ...plan.summary }, 'plan made');

      let unreachable = false;
      if (flags.live) {
        const blocking = blockingErrors(diagnostics);
        if (blocking.length > 0) {
          plan = { ...plan, liveSkipped: `head has ${blocking.length} load error(s), so applying it would change nothing` };
        } else {
          const connections = await connectMembers(
            head.model.clusters.map((cluster) => cluster.name),
            { kubeconfig: flags.kubeconfig, ...(credentials ? { credentials } : {}) },
            { logger: ctx.logger },
          );
          const progress = startProgress(ctx, { output: flags.output, members: Object.keys(head.clusters) });
          try {
            const report = await applyAll(
              head,
              head.model.clusters,
              connections,
              {
                instance: flags.instance,
                dryRun: true,
                adopt: false,
                conflicts: 'force',
                deletionGuard: defaultDeletionGuard,
                allowMassDeletion: false,
                ...(progress ? { onProgress: progress.sink } : {}),
              },
            ).finally(() => progress?.finish());
            plan = withLive(plan, report.clusters, redactor.text);
            unreachable = Object.values(report.clusters).some((member) => !member.reachable);
          } finally {
            await closeMembers(connections);
          }
        }
      }

      ctx.stdout.write(
        flags.output === 'json'
          ? formatPlanJson(plan)
          : formatPlanMarkdown(plan, { refs: { base: flags.base, head: flags.head } }),
      );
      ctx.logger.debug({ ms: Math.round(performance.now() - started) }, 'plan written');
      writeDiagnostics(ctx.stderr, diagnostics, flags.repo);
      if (plan.errors.length > 0 || unreachable) ctx.fail('problems');
      else if (flags.detailedExitcode && hasChanges(plan)) ctx.fail('changes');
    });
}

function withPrefix(diagnostic: Diagnostic, prefix: string): Diagnostic {
  return prefix && diagnostic.file ? { ...diagnostic, file: `${prefix}/${diagnostic.file}` } : diagnostic;
}

/** The Secrets of both revisions: only their values are hidden (model/secret-values.ts). */
function* secretsOf(...revisions: RevisionInput[]) {
  for (const revision of revisions) {
    for (const objects of Object.values(revision.clusters)) for (const object of objects) if (isSecretKind(object.kind)) yield object;
  }
}

/**
 * `gitfed unjoin NAME`: KubeFed's `kubefedctl unjoin` (spec §6.6). Removes what join made in the member (RBAC,
 * token, ServiceAccount, and the namespace when join created it and nothing of gitfed's is left there), the
 * credentials context and the KubeFedCluster from the repository. The workloads gitfed applied stay in the member
 * with their marks, as KubeFed left them.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { createClientNodeClusterClient } from '../../cluster/client-node-cluster-client.ts';
import { GitfedError } from '../../model/diagnostic.ts';
import { unjoinMember } from '../../kubefedctl/join-member.ts';
import { DEFAULT_JOIN_NAMESPACE, joinNames, removeCredentials, validateClusterName } from '../../kubefedctl/join-plan.ts';
import { planRemoveCluster } from '../../kubefedctl/plan-cluster-file.ts';
import { readCredentialsFile, readRepoView, writeCredentialsFile } from '../../kubefedctl/repo-files.ts';
import type { CliContext } from '../context.ts';
import { defaultCredentialsFile, joinFieldManager, memberAdmin, performFileChange, reportMemberError } from './join.ts';

interface UnjoinFlags {
  clusterContext?: string;
  kubeconfig?: string;
  repo: string;
  credentials?: string;
  namespace: string;
  dryRun?: boolean;
  force?: boolean;
}

export function registerUnjoin(program: Command, ctx: CliContext): void {
  program
    .command('unjoin')
    .description('undo gitfed join: remove its ServiceAccount and RBAC from the member, the credentials context and the KubeFedCluster')
    .argument('<name>', 'cluster name given to join')
    .option('--cluster-context <context>', 'kubeconfig context with admin access to the member (default: NAME)')
    .option('--kubeconfig <file>', 'kubeconfig holding --cluster-context (default: KUBECONFIG, ~/.kube/config)')
    .option('--repo <dir>', 'repository (or sub-folder) declaring the KubeFedCluster', '.')
    .option('--credentials <file>', 'kubeconfig join added context NAME to (default: ~/.kube/gitfed-credentials.yaml)')
    .option('--namespace <ns>', 'member namespace given to join', DEFAULT_JOIN_NAMESPACE)
    .option('--dry-run', 'print what would be removed, change nothing')
    .option('--force', 'carry on past member errors (an unreachable member, say) and still remove the local entries')
    .addHelpText(
      'after',
      `
Objects gitfed applied to the member stay there (as with KubeFed): unjoin removes only what join made, and only
objects labelled gitfed.io/joined-cluster=NAME. The namespace goes only if join created it and no other join
and no gitfed inventory (the record of what gitfed applied there) uses it. Commit the removed cluster file.

Examples:
  gitfed unjoin member1 --cluster-context kind-member1 --repo .
  gitfed unjoin edge-7 --cluster-context admin@edge-7 --credentials ~/.kube/gitfed.yaml --force

Exit codes: 0 done, 1 the member refused or failed (with --force: after removing the local entries), 2 usage errors.`,
    )
    .action(async (name: string, flags: UnjoinFlags) => {
      validateClusterName(name);
      const names = joinNames(name, flags.namespace);
      const credentialsFile = path.resolve(flags.credentials ?? defaultCredentialsFile());
      const dryRun = flags.dryRun ?? false;
      const force = flags.force ?? false;
      const verb = dryRun ? 'would remove' : 'removed';

      let guarded = false;
      try {
        const admin = await memberAdmin(name, flags.clusterContext, flags.kubeconfig);
        guarded = admin.source.files.some((file) => path.resolve(file) === credentialsFile) && admin.context === name;
        const client = createClientNodeClusterClient({ cluster: admin.context, kubeConfig: admin.kubeConfig, fieldManager: joinFieldManager }, { logger: ctx.logger });
        try {
          const result = await unjoinMember(client, { names, dryRun, force });
          for (const action of result.actions) ctx.stdout.write(`${admin.context}: ${action}\n`);
          for (const problem of result.problems) ctx.stderr.write(`error ${problem}\n`);
          if (result.problems.length > 0) ctx.fail('problems');
        } finally {
          await client.close();
        }
      } catch (err) {
        if (!force) {
          if (reportMemberError(ctx, err)) return;
          throw err;
        }
        const message = err instanceof Error ? err.message : String(err);
        ctx.stderr.write(`error ${err instanceof GitfedError ? err.code : 'MemberFailed'} ${message} (carrying on: --force)\n`);
        ctx.fail('problems');
      }

      if (guarded) {
        ctx.stdout.write(`kept context ${name} in ${credentialsFile}: it is the admin context unjoin used\n`);
      } else {
        const credentials = await readCredentialsFile(credentialsFile);
        const { config, removed } = credentials ? removeCredentials(credentials, name) : { config: undefined, removed: [] };
        if (config && removed.length > 0) {
          if (!dryRun) await writeCredentialsFile(credentialsFile, config);
          ctx.stdout.write(`${verb} ${removed.join(', ')} ${name} from ${credentialsFile}\n`);
        } else {
          ctx.stdout.write(`${credentialsFile} has no context ${name}\n`);
        }
      }

      const repo = await readRepoView(flags.repo);
      for (const change of planRemoveCluster(repo, name)) {
        if (!dryRun) await performFileChange(flags.repo, change);
        ctx.stdout.write(change.action === 'none' ? `${change.message}\n` : `${dryRun ? change.planned : `${change.message}: commit it`}\n`);
      }
    });
}

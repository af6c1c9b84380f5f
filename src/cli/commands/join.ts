/**
 * `gitfed join NAME`: KubeFed's `kubefedctl join` (spec §8) the GitOps way. Membership goes to Git (a
 * KubeFedCluster in `clusters/NAME.yaml`, for the user to review and commit); the credentials never do (a
 * kubeconfig context NAME with a ServiceAccount token, in an owner-only file outside the repository).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { createClientNodeClusterClient } from '../../cluster/client-node-cluster-client.ts';
import { ClusterRequestError } from '../../cluster/cluster-client.ts';
import { kubeConfigForMember, loadKubeconfig, resolveKubeconfigSource, type KubeconfigSource } from '../../cluster/member-registry.ts';
import { GitfedError } from '../../model/diagnostic.ts';
import type { FileChange } from '../../kubefedctl/file-change.ts';
import { joinMember } from '../../kubefedctl/join-member.ts';
import {
  APPLY_PRESET_RULES,
  DEFAULT_JOIN_NAMESPACE,
  RBAC_PRESETS,
  addCredentials,
  clusterFileText,
  credentialsConflicts,
  onlyContext,
  joinNames,
  kubeFedClusterDocument,
  memberObjects,
  namespaceObject,
  parseLabels,
  validateClusterName,
  type RbacPreset,
} from '../../kubefedctl/join-plan.ts';
import { planAddCluster } from '../../kubefedctl/plan-cluster-file.ts';
import { readCredentialsFile, readRepoView, removeFile, writeCredentialsFile, writeRepoFile } from '../../kubefedctl/repo-files.ts';
import type { CliContext } from '../context.ts';
import { parseDuration } from '../parse-duration.ts';

interface JoinFlags {
  clusterContext?: string;
  kubeconfig?: string;
  repo: string;
  labels?: string;
  credentials?: string;
  rbac: RbacPreset;
  namespace: string;
  tokenTimeout: string;
  dryRun?: boolean;
  force?: boolean;
}

/** Field manager of everything join applies in a member. */
export const joinFieldManager = 'gitfed-join';

export function defaultCredentialsFile(): string {
  return path.join(homedir(), '.kube', 'gitfed-credentials.yaml');
}

export function registerJoin(program: Command, ctx: CliContext): void {
  program
    .command('join')
    .description('join a member cluster: a ServiceAccount and RBAC in the member, a credentials context, and clusters/NAME.yaml in the repository')
    .argument('<name>', 'cluster name: the KubeFedCluster name and the credentials context name')
    .option('--cluster-context <context>', 'kubeconfig context with admin access to the member (default: NAME)')
    .option('--kubeconfig <file>', 'kubeconfig holding --cluster-context (default: KUBECONFIG, ~/.kube/config)')
    .option('--repo <dir>', 'repository (or sub-folder) to write clusters/NAME.yaml into', '.')
    .option('--labels <k=v,...>', 'labels of the KubeFedCluster (what clusterSelector matches)')
    .option('--credentials <file>', 'kubeconfig to add context NAME to; created owner-only (default: ~/.kube/gitfed-credentials.yaml)')
    .addOption(new Option('--rbac <preset>', 'what the member grants gitfed').choices([...RBAC_PRESETS]).default('apply'))
    .option('--namespace <ns>', 'member namespace for the ServiceAccount and its token', DEFAULT_JOIN_NAMESPACE)
    .option('--token-timeout <duration>', 'how long to wait for the member\'s token controller', '60s')
    .option('--dry-run', 'print what would be created and written, change nothing')
    .option('--force', 'overwrite an existing clusters/NAME.yaml and credentials context NAME')
    .addHelpText(
      'after',
      `
In the member (through --cluster-context): namespace ${DEFAULT_JOIN_NAMESPACE} (if missing), ServiceAccount gitfed-NAME,
its long-lived token Secret gitfed-NAME-token, and RBAC gitfed:NAME. Preset "apply" (default) grants what gitfed
apply needs:
${describeRules()}
It grants no impersonate, escalate or bind, so gitfed cannot hand out more than it holds (federating RBAC that
grants "*" or binds admin/edit needs --rbac cluster-admin). Preset "cluster-admin" binds the built-in cluster-admin.

Then context NAME (the member's server and CA, the token) goes into the credentials kubeconfig, and
clusters/NAME.yaml (a KubeFedCluster with --labels and the apiEndpoint) into the repository: review and commit it.
Run gitfed apply --kubeconfig <credentials file>.

Examples:
  gitfed join member1 --cluster-context kind-member1 --labels region=eu,tier=prod --repo .
  gitfed join edge-7 --cluster-context admin@edge-7 --credentials ~/.kube/gitfed.yaml --rbac cluster-admin
  gitfed join member1 --dry-run

Exit codes: 0 joined; 1 the member refused or failed, or the repository already declares NAME (an existing
clusters/NAME.yaml needs --force); 2 usage errors (an existing credentials context NAME needs --force).`,
    )
    .action(async (name: string, flags: JoinFlags) => {
      validateClusterName(name);
      const clusterLabels = parseLabels(flags.labels);
      const tokenTimeoutMs = parseDuration(flags.tokenTimeout);
      const names = joinNames(name, flags.namespace);
      const credentialsFile = path.resolve(flags.credentials ?? defaultCredentialsFile());
      const admin = await memberAdmin(name, flags.clusterContext, flags.kubeconfig);

      // Everything that can be refused is checked before the member is touched.
      if (admin.source.files.some((file) => path.resolve(file) === credentialsFile) && admin.context === name) {
        throw new GitfedError('UsageError', `${credentialsFile} holds context "${name}", through which gitfed joins; write the credentials elsewhere (--credentials)`);
      }
      const credentials = await readCredentialsFile(credentialsFile);
      const conflicts = credentialsConflicts(credentials, name);
      if (conflicts.length > 0 && !flags.force) {
        throw new GitfedError('UsageError', `${credentialsFile} already has a ${conflicts.join(', ')} named "${name}"; pass --force to replace it`);
      }
      const repo = await readRepoView(flags.repo);
      const clusterText = clusterFileText(kubeFedClusterDocument(name, clusterLabels, admin.server));
      const clusterChange = planAddCluster(repo, name, clusterText, flags.force ?? false);

      if (flags.dryRun) {
        ctx.stdout.write(dryRunText(names, flags.rbac, admin.context, credentialsFile, clusterChange));
        return;
      }

      const client = createClientNodeClusterClient({ cluster: admin.context, kubeConfig: admin.kubeConfig, fieldManager: joinFieldManager }, { logger: ctx.logger });
      let joined;
      try {
        joined = await joinMember(client, { names, preset: flags.rbac, tokenTimeoutMs });
      } catch (err) {
        if (reportMemberError(ctx, err)) return;
        throw err;
      } finally {
        await client.close();
      }
      for (const action of joined.actions) ctx.stdout.write(`${admin.context}: ${action}\n`);

      const entry = {
        name,
        server: admin.server,
        certificateAuthorityData: admin.caData ?? joined.caCrt,
        insecureSkipTlsVerify: admin.insecure,
        tlsServerName: admin.tlsServerName,
        proxyUrl: admin.proxyUrl,
        token: joined.token,
      };
      const updated = addCredentials(credentials, entry);
      await writeCredentialsFile(credentialsFile, updated);
      ctx.stdout.write(`${conflicts.length > 0 ? 'replaced' : 'added'} context ${name} in ${credentialsFile}\n`);

      // The new credentials must reach the member and read what apply reads first.
      const verify = new KubeConfig();
      verify.loadFromString(stringify(onlyContext(updated, name)));
      const check = createClientNodeClusterClient({ cluster: name, kubeConfig: verify, retry: { maxAttempts: 3 } }, { logger: ctx.logger });
      try {
        await check.list('v1', 'ServiceAccount', { namespace: names.namespace });
        ctx.stdout.write(`verified: context ${name} reaches ${admin.server} as ServiceAccount ${names.namespace}/${names.serviceAccount}\n`);
      } catch (err) {
        if (reportMemberError(ctx, err, `the new credentials do not work yet`)) return;
        throw err;
      } finally {
        await check.close();
      }

      await performFileChange(flags.repo, clusterChange);
      if (clusterChange.action !== 'none') ctx.stdout.write(`${clusterChange.message}: review and commit it\n`);
      ctx.stdout.write(`next: gitfed apply --repo ${flags.repo} --kubeconfig ${credentialsFile}\n`);
    });
}

export interface MemberAdmin {
  context: string;
  source: KubeconfigSource;
  kubeConfig: KubeConfig;
  server: string;
  caData?: string;
  insecure?: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

/** The admin context for the member and what its cluster entry says (server, CA as base64 PEM, TLS options). */
export async function memberAdmin(name: string, clusterContext: string | undefined, kubeconfig: string | undefined): Promise<MemberAdmin> {
  const source = resolveKubeconfigSource(kubeconfig, process.env, homedir());
  const all = await loadKubeconfig(source);
  const context = clusterContext ?? name;
  const kubeConfig = kubeConfigForMember(all, context, source);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) throw new GitfedError('UsageError', `kubeconfig context "${context}" names no cluster server`);
  let caData = cluster.caData;
  if (!caData && cluster.caFile) {
    caData = await readFile(cluster.caFile).then(
      (bytes) => bytes.toString('base64'),
      () => {
        throw new GitfedError('UsageError', `the CA file of kubeconfig context "${context}" (${cluster.caFile}) cannot be read`);
      },
    );
  }
  return {
    context,
    source,
    kubeConfig,
    server: cluster.server,
    ...(caData ? { caData } : {}),
    ...(cluster.skipTLSVerify ? { insecure: true } : {}),
    ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}),
    ...(cluster.proxyUrl ? { proxyUrl: cluster.proxyUrl } : {}),
  };
}

/** Member errors are reported as `error <Reason> <message>` with exit code 1; true when `err` was one. */
export function reportMemberError(ctx: CliContext, err: unknown, prefix?: string): boolean {
  if (!(err instanceof ClusterRequestError)) return false;
  ctx.stderr.write(`error ${err.reason} ${prefix ? `${prefix}: ` : ''}${err.message}\n`);
  ctx.fail('problems');
  return true;
}

export async function performFileChange(repo: string, change: FileChange): Promise<void> {
  if (change.action === 'write') await writeRepoFile(path.join(repo, change.file), change.text);
  else if (change.action === 'delete') await removeFile(path.join(repo, change.file));
}

function describeRules(): string {
  return APPLY_PRESET_RULES.map((rule) =>
    rule.nonResourceURLs
      ? `get on ${(rule.nonResourceURLs as string[]).join(', ')}`
      : `${(rule.verbs as string[]).join(', ')} on every resource of every group`,
  ).map((line) => `  - ${line}`).join('\n');
}

function dryRunText(names: ReturnType<typeof joinNames>, preset: RbacPreset, context: string, credentialsFile: string, clusterChange: FileChange): string {
  const objects = [namespaceObject(names), ...memberObjects(names, preset)];
  const lines = [
    `would apply in the member through context ${context} (the namespace only if it is missing), then wait for the token:`,
    ...objects.map((object) => `---\n${stringify(object, { lineWidth: 0 }).trimEnd()}`),
    `---`,
    `would add context ${names.cluster} (cluster ${names.cluster}, user ${names.cluster} with the ServiceAccount token) to ${credentialsFile}`,
  ];
  if (clusterChange.action === 'write') lines.push(`${clusterChange.planned}:`, clusterChange.text.trimEnd());
  return `${lines.join('\n')}\n`;
}

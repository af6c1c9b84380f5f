/**
 * The daemon's configuration: one schema with defaults and descriptions, filled from a config file, then
 * environment variables, then flags (later wins). docs/configuration.md is generated from this schema
 * (`npm run docs:config`) and a test keeps it in step.
 */
import { z } from 'zod';
import { defaultFleetLimits } from '../cluster/fleet-limits.ts';
import { defaultKubeVersion } from '../source/schema-bundles.ts';

const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as 30s, 5m or 1h');

export const configSchema = z.object({
  repo: z.string().min(1).describe('Git URL (http/https) of the manifests repository, or a local directory to watch'),
  branch: z.string().default('main').describe('branch to follow'),
  path: z.string().default('').describe('sub-folder of the repository holding the manifests'),
  kubeconfig: z.string().optional().describe('kubeconfig with one context per member, named after the cluster (default: KUBECONFIG, ~/.kube/config)'),
  membersFrom: z.enum(['git', 'capi']).default('git').describe('members besides the KubeFedCluster documents in Git: `git` (none) or `capi` (every Cluster of a Cluster API management cluster; docs/cluster-api.md)'),
  managementContext: z.string().optional().describe('with membersFrom capi: kubeconfig context of the Cluster API management cluster'),
  capiNamespace: z.string().optional().describe('with membersFrom capi: read Clusters of this namespace only (default: every namespace)'),
  interval: duration.default('30s').describe('how often to check the remote branch for new commits'),
  driftInterval: duration.default('5m').describe('how often to compare every member with Git and correct drift, even without new commits'),
  reportPath: z.string().default('status').describe('folder of the repository the status report is committed to'),
  reportBranch: z.string().optional().describe('branch to commit the report to (default: the followed branch)'),
  listen: z.string().default('127.0.0.1:9090').describe('address of /healthz, /readyz, /metrics and the webhook'),
  webhookSecretFile: z.string().optional().describe('file holding the shared secret webhooks are signed with; without it the webhook is off'),
  gitCredentialsFile: z.string().optional().describe('file with Git credentials (username/password or a token); also GITFED_GIT_USERNAME/GITFED_GIT_PASSWORD'),
  instance: z.string().default('gitfed').describe('instance name: ownership annotation and inventory name in every member'),
  adopt: z.boolean().default(false).describe('take over pre-existing member objects that carry no gitfed marks'),
  allowMassDeletion: z.boolean().default(false).describe('let an apply delete more than the deletion guard allows'),
  kubeVersion: z.string().regex(/^1\.\d+$/, 'a Kubernetes minor release such as 1.34').default(defaultKubeVersion).describe('Kubernetes minor release whose shipped schemas every member object is validated against before it is applied (docs/manifests.md, "Validating what members receive")'),
  cacheDir: z.string().optional().describe('where clones of the repository are kept (default: ~/.cache/gitfed/repos)'),
  coordinationContext: z.string().optional().describe('share the members among several replicas through Leases in this cluster: a kubeconfig context, or `in-cluster` (the pod\'s ServiceAccount); without it one replica applies every member and writes no Lease (docs/deploy.md)'),
  coordinationNamespace: z.string().default('gitfed-system').describe('with coordinationContext: namespace of the Leases and of the member status ConfigMaps'),
  replicaId: z.string().optional().describe('with coordinationContext: this replica\'s name in its Lease `gitfed-<instance>-<replica-id>` (default: the host name, which is the pod name in a pod)'),
  leaseDuration: duration.default('15s').describe('with coordinationContext: how long a Lease holds without renewal (client-go\'s default)'),
  leaseRenewInterval: duration.default('5s').describe('with coordinationContext: how often a replica renews its Leases; it stops writing to members when no renew succeeded for leaseDuration minus this'),
  leaseCleanupAfter: duration.default('10m').describe('with coordinationContext: the leader deletes the Lease and member status of a replica gone (Lease expired, or released and its status unclaimed) this long'),
  leaseRetryInterval: duration.default('2s').describe('with coordinationContext: how often a replica reads the Leases of the others (joins, departures, handoffs)'),
  multiclusterServices: z.boolean().default(false).describe('be the Multi-Cluster Services (KEP-1645) controller of the ClusterSet: ServiceImports and EndpointSlices in every member for the Services exported from any, kept current by watching the exporting members\' EndpointSlices (docs/multicluster-services.md)'),
  clustersetSelector: z.string().optional().describe('with multiclusterServices: the ClusterSet is the members whose labels match these `key=value` pairs, comma-separated (default: every member)'),
  clustersetName: z.string().default('clusterset').describe('with multiclusterServices: the ClusterSet\'s name, the value of the `clusterset.k8s.io` ClusterProperty'),
  installMcsCrds: z.string().optional().describe('with multiclusterServices: a directory of the mcs-api module\'s CRD manifests (`lab/fetch-crds.sh --mcs` fetches them) to install into members that do not serve them; without it such members are reported TypeNotServed'),
  maxRequestsInFlight: z.coerce.number().int().min(1).default(defaultFleetLimits.maxInFlight).describe('requests in flight at once across every member: one bound the members share, served in turn so a slow or hung member neither stalls nor starves the others (docs/deploy.md, "Sizing")'),
  memberRequestsInFlight: z.coerce.number().int().min(1).default(defaultFleetLimits.memberInFlight).describe('requests in flight at once to one member; a member never holds more than half of maxRequestsInFlight either'),
  memberQps: z.coerce.number().positive().default(defaultFleetLimits.memberQps).describe('requests a second to one member, with bursts of twice as many: the member\'s own API Priority and Fairness still answers 429 when busy, and gitfed waits as told; raise it for members with many thousands of objects (docs/deploy.md, "Sizing")'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('log level'),
});

export type DaemonConfig = z.infer<typeof configSchema>;

/** Environment variable for each key: GITFED_ + SCREAMING_SNAKE_CASE. */
export function envName(key: string): string {
  return `GITFED_${key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(configSchema.shape)) {
    const raw = env[envName(key)];
    if (raw === undefined) continue;
    out[key] = isBoolean(field) ? ['1', 'true', 'yes'].includes(raw.toLowerCase()) : raw;
  }
  return out;
}

export function isBoolean(field: z.ZodType): boolean {
  const inner = field instanceof z.ZodDefault || field instanceof z.ZodOptional ? field.unwrap() : field;
  return inner instanceof z.ZodBoolean;
}

/** The Markdown table of every setting: key, flag, environment variable, default, description. */
export function configTable(): string {
  const rows = Object.entries(configSchema.shape).map(([key, field]) => {
    const flag = `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
    const value = defaultOf(field);
    const fallback = value === undefined ? (key === 'repo' ? 'required' : '') : value === '' ? '(empty)' : `\`${value}\``;
    return `| \`${key}\` | \`${flag}\` | \`${envName(key)}\` | ${fallback} | ${field.description ?? ''} |`;
  });
  return ['| key | flag | environment | default | description |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The default of a setting as text, or undefined when it has none. */
export function defaultOf(field: z.ZodType): string | undefined {
  return field instanceof z.ZodDefault ? String((field.def as { defaultValue: unknown }).defaultValue) : undefined;
}

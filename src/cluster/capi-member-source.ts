/**
 * Members from a Cluster API management cluster (effect): every `Cluster` (v1beta2, else v1beta1 — whichever the
 * management cluster serves first) and, for the ones CAPI says are Ready, the credentials in their
 * `<name>-kubeconfig` Secret (key `value`). Read afresh on every `discover()`, so a certificate CAPI rotates is
 * used from the next reconcile on, without a restart; the fingerprint (a hash of the Secret's value, kept in
 * memory only) tells the member pool when to replace a client.
 *
 * Credentials never leave memory: no log line, error or report quotes the Secret; a missing or unusable one
 * makes that member unavailable with a message naming the Secret and what is wrong with it, never its contents.
 * A kubeconfig from a Secret may not run an exec plugin or read files on gitfed's host: whoever can write a
 * Secret in the management cluster must not get to run commands where gitfed runs.
 *
 * Rules for the management cluster's RBAC (docs/cluster-api.md): get/list clusters.cluster.x-k8s.io, list and
 * get Secrets, in the namespace(s) read.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import type { Logger } from 'pino';
import { parse } from 'yaml';
import { capiClusterNameLabel, capiGroup, capiVersions, kubeconfigSecretName, readCapiCluster, type CapiCluster, type CapiVersion } from '../model/capi-cluster.ts';
import { GitfedError } from '../model/diagnostic.ts';
import { mergeMembers, type Fleet } from '../model/merge-members.ts';
import type { Cluster, KubeObject } from '../model/types.ts';
import type { ClusterClient } from './cluster-client.ts';
import { createClientNodeClusterClient, type ClientNodeClusterClientOptions } from './client-node-cluster-client.ts';
import type { MemberCredentials } from './connect-members.ts';
import { kubeConfigForMember, loadKubeconfig, loadProblem, resolveKubeconfigSource } from './member-registry.ts';

export interface CapiMemberSourceOptions {
  /** Kubeconfig context of the management cluster. */
  managementContext: string;
  /** Read Clusters of this namespace only; every namespace when absent. */
  namespace?: string | undefined;
  /** The kubeconfig holding the management context (else KUBECONFIG, ~/.kube/config). */
  kubeconfig?: string | undefined;
  client?: Omit<ClientNodeClusterClientOptions, 'cluster' | 'kubeConfig'>;
}

export interface CapiDiscovery {
  version: CapiVersion;
  clusters: CapiCluster[];
  /** Per Ready cluster name (collisions excluded): a client's credentials, or why there are none. */
  credentials: Map<string, MemberCredentials>;
}

export interface CapiMemberSource {
  discover(): Promise<CapiDiscovery>;
  close(): Promise<void>;
}

export async function createCapiMemberSource(options: CapiMemberSourceOptions, deps: { logger: Logger; env?: NodeJS.ProcessEnv }): Promise<CapiMemberSource> {
  const source = resolveKubeconfigSource(options.kubeconfig, deps.env ?? process.env, homedir());
  const kubeConfig = kubeConfigForMember(await loadKubeconfig(source), options.managementContext, source);
  const client = createClientNodeClusterClient({ ...options.client, cluster: options.managementContext, kubeConfig }, { logger: deps.logger });
  return {
    discover: () => discoverCapiMembers(client, options),
    close: () => client.close(),
  };
}

/** One read of the management cluster: the Clusters, then the Secrets of the Ready ones. */
export async function discoverCapiMembers(client: ClusterClient, options: { managementContext: string; namespace?: string | undefined }): Promise<CapiDiscovery> {
  const where = `the management cluster (context ${options.managementContext})`;
  const version = await servedVersion(client, where);
  const listed = await unavailableOnThrow(`could not list Cluster API clusters on ${where}`, () =>
    client.list(`${capiGroup}/${version}`, 'Cluster', options.namespace ? { namespace: options.namespace } : {}),
  );
  const clusters = listed.map(readCapiCluster);
  const namesSeen = new Map<string, number>();
  for (const cluster of clusters) namesSeen.set(cluster.name, (namesSeen.get(cluster.name) ?? 0) + 1);
  const wanted = clusters.filter((cluster) => cluster.state === 'Ready' && namesSeen.get(cluster.name) === 1);

  const credentials = new Map<string, MemberCredentials>();
  if (wanted.length > 0) {
    const secrets = await labelledSecrets(client, options.namespace);
    for (const cluster of wanted) credentials.set(cluster.name, await credentialsOf(client, cluster, secrets));
  }
  return { version, clusters, credentials };
}

/**
 * Git's members merged with a discovery, and the credentials of every discovered member the pool should follow:
 * the Secret's for the placed ones, CAPI's reason for the held-back ones (so the report says why they get nothing).
 */
export function fleetWithCredentials(git: readonly Cluster[], discovery: CapiDiscovery): { fleet: Fleet; credentials: Map<string, MemberCredentials> } {
  const fleet = mergeMembers(git, discovery.clusters);
  const credentials = new Map<string, MemberCredentials>();
  for (const member of fleet.members) {
    if (!member.capi) continue;
    const held = { unavailable: `Cluster API ${member.capi.state}: ${member.capi.message}` };
    credentials.set(member.name, member.placed ? (discovery.credentials.get(member.name) ?? held) : held);
  }
  return { fleet, credentials };
}

async function servedVersion(client: ClusterClient, where: string): Promise<CapiVersion> {
  for (const version of capiVersions) {
    const scope = await unavailableOnThrow(`could not read the API discovery of ${where}`, () => client.scopeOf(`${capiGroup}/${version}`, 'Cluster'));
    if (scope) return version;
  }
  throw new GitfedError('MemberSourceUnavailable', `${where} serves no Cluster API Cluster kind (${capiGroup} ${capiVersions.join(' or ')}): is Cluster API installed there?`);
}

/** The kubeconfig Secrets by `namespace/name`, in one list; an empty index when listing is refused (GETs follow). */
async function labelledSecrets(client: ClusterClient, namespace: string | undefined): Promise<Map<string, KubeObject>> {
  try {
    const secrets = await client.list('v1', 'Secret', { labelSelector: capiClusterNameLabel, ...(namespace ? { namespace } : {}) });
    return new Map(secrets.map((secret) => [`${secret.metadata.namespace ?? ''}/${secret.metadata.name}`, secret]));
  } catch (err) {
    if (!(err instanceof GitfedError)) throw err;
    return new Map();
  }
}

async function credentialsOf(client: ClusterClient, cluster: CapiCluster, secrets: ReadonlyMap<string, KubeObject>): Promise<MemberCredentials> {
  const name = kubeconfigSecretName(cluster.name);
  const id = `Secret ${cluster.namespace}/${name}`;
  let secret = secrets.get(`${cluster.namespace}/${name}`) ?? null;
  if (!secret) {
    try {
      secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: cluster.namespace, name });
    } catch (err) {
      if (!(err instanceof GitfedError)) throw err;
      return { unavailable: `${id} could not be read from the management cluster: ${err.message}` };
    }
  }
  if (!secret) return { unavailable: `${id} (the Cluster's kubeconfig) does not exist in the management cluster` };
  const encoded = (secret.data as Record<string, unknown> | undefined)?.value;
  if (typeof encoded !== 'string' || encoded === '') return { unavailable: `${id} has no key "value" (the kubeconfig Cluster API writes)` };
  return kubeconfigFromSecret(Buffer.from(encoded, 'base64').toString('utf8'), id);
}

/** Kubeconfig keys that make client-node read a file or run a command on gitfed's host. */
const hostReachingKeys = ['exec', 'auth-provider', 'token-file', 'tokenFile', 'client-certificate', 'client-key', 'certificate-authority'];

/**
 * The Secret's kubeconfig, checked for what a client needs and for what gitfed refuses. The check runs on the
 * parsed YAML before client-node loads it, because client-node reads a `token-file` while loading.
 */
export function kubeconfigFromSecret(text: string, id: string): MemberCredentials {
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    const line = (err as { linePos?: { line?: number }[] }).linePos?.[0]?.line;
    return { unavailable: `${id}: key "value" is not a valid kubeconfig (YAML error${line ? ` at line ${line}` : ''})` };
  }
  const entries = (key: string) => {
    const list = (document as Record<string, unknown> | null)?.[key];
    return Array.isArray(list) ? list.map((entry) => ((entry as Record<string, unknown> | null)?.[key.slice(0, -1)] ?? {}) as Record<string, unknown>) : [];
  };
  const reaching = [...entries('users'), ...entries('clusters')].flatMap((entry) => hostReachingKeys.filter((key) => Object.hasOwn(entry, key)));
  if (reaching.length > 0) {
    return { unavailable: `${id}: the kubeconfig uses ${[...new Set(reaching)].join(', ')}, which gitfed does not follow for a Secret (it would run a command or read a file on gitfed's host); embed the credentials instead` };
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(text);
  } catch (err) {
    return { unavailable: `${id}: key "value" is not a valid kubeconfig (${loadProblem(err)})` };
  }
  const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
  const cluster = context ? kubeConfig.getCluster(context.cluster) : null;
  if (!context || !cluster?.server) return { unavailable: `${id}: the kubeconfig's current context names no cluster server` };
  return { kubeConfig, fingerprint: createHash('sha256').update(text).digest('hex') };
}

async function unavailableOnThrow<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof GitfedError)) throw err;
    throw new GitfedError('MemberSourceUnavailable', `${what}: ${err.message}`, {}, { cause: err });
  }
}

/** `--members-from capi` needs to know where the management cluster is. */
export function requireManagementContext(context: string | undefined): string {
  if (!context) throw new GitfedError('UsageError', '--members-from capi needs --management-context (the kubeconfig context of the Cluster API management cluster)');
  return context;
}

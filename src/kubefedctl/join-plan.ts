/**
 * What `gitfed join` puts in a member, in the credentials kubeconfig and in the repository (pure). The effects
 * live in join-member.ts (member) and credentials-file.ts / the CLI (files).
 *
 * In the member (KubeFed's join made the same shape, spec §8):
 * - namespace `gitfed-system` (or `--namespace`), created only when missing and then marked as join's;
 * - ServiceAccount `gitfed-<NAME>` and its long-lived token Secret `gitfed-<NAME>-token`
 *   (type kubernetes.io/service-account-token, filled by the token controller);
 * - RBAC: preset `apply` = ClusterRole `gitfed:<NAME>` (below) + ClusterRoleBinding `gitfed:<NAME>`;
 *   preset `cluster-admin` = ClusterRoleBinding `gitfed:<NAME>` to the built-in cluster-admin.
 * Every object carries `app.kubernetes.io/managed-by: gitfed` and `gitfed.io/joined-cluster: <NAME>`.
 */
import { stringify } from 'yaml';
import { GitfedError } from '../model/diagnostic.ts';
import type { JsonObject, KubeObject } from '../model/types.ts';

export const DEFAULT_JOIN_NAMESPACE = 'gitfed-system';
export const KUBEFED_NAMESPACE = 'kube-federation-system';
export const RBAC_PRESETS = ['apply', 'cluster-admin'] as const;
export type RbacPreset = (typeof RBAC_PRESETS)[number];

export const managedByLabel = 'app.kubernetes.io/managed-by';
export const joinedClusterLabel = 'gitfed.io/joined-cluster';
/** On a namespace join created (and so may delete again). */
export const createdByAnnotation = 'gitfed.io/created-by';
export const createdByJoin = 'gitfed join';

/**
 * Preset `apply`: what `gitfed apply`, `status` and the daemon do in a member. Server-side apply (patch, and
 * create when the object is new), reads for drift and health (get, list, watch), prune (delete), update for
 * RBAC objects that grant it, on every resource of every group (the repository decides what is federated);
 * discovery and the health endpoints. Not granted: impersonate, escalate, bind, approve, sign, use,
 * deletecollection. Kubernetes' RBAC escalation check therefore stops this identity from creating a Role or
 * binding that grants more than it holds itself (a ClusterRoleBinding to cluster-admin, say).
 */
const resourceRule: JsonObject = { apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] };
const nonResourceRule: JsonObject = {
  nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/version'],
  verbs: ['get'],
};
export const APPLY_PRESET_RULES: readonly JsonObject[] = Object.freeze([resourceRule, nonResourceRule]);

export interface JoinNames {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  tokenSecret: string;
  /** ClusterRole (preset apply) and ClusterRoleBinding. */
  rbac: string;
}

export function joinNames(cluster: string, namespace: string = DEFAULT_JOIN_NAMESPACE): JoinNames {
  return {
    cluster,
    namespace,
    serviceAccount: `gitfed-${cluster}`,
    tokenSecret: `gitfed-${cluster}-token`,
    rbac: `gitfed:${cluster}`,
  };
}

/** A cluster name usable as a KubeFedCluster name, file name, context name and label value. */
export function validateClusterName(name: string): void {
  if (name.length > 63 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    throw new GitfedError(
      'UsageError',
      `cluster name "${name}" must be at most 63 characters of lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,
    );
  }
}

function labels(names: JoinNames): Record<string, string> {
  return { [managedByLabel]: 'gitfed', [joinedClusterLabel]: names.cluster };
}

export function namespaceObject(names: JoinNames): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: names.namespace, labels: { [managedByLabel]: 'gitfed' }, annotations: { [createdByAnnotation]: createdByJoin } },
  };
}

/** In apply order, the namespace excepted (created only when missing). */
export function memberObjects(names: JoinNames, preset: RbacPreset): KubeObject[] {
  const meta = (name: string, namespaced: boolean) => ({ name, ...(namespaced ? { namespace: names.namespace } : {}), labels: labels(names) });
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(names.serviceAccount, true) },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { ...meta(names.tokenSecret, true), annotations: { 'kubernetes.io/service-account.name': names.serviceAccount } },
      type: 'kubernetes.io/service-account-token',
    },
  ];
  if (preset === 'apply') {
    objects.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(names.rbac, false), rules: structuredClone([...APPLY_PRESET_RULES]) });
  }
  objects.push(clusterRoleBinding(names, preset));
  return objects;
}

export function clusterRoleBinding(names: JoinNames, preset: RbacPreset): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: names.rbac, labels: labels(names) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: preset === 'apply' ? names.rbac : 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: names.serviceAccount, namespace: names.namespace }],
  };
}

/** `k=v,k2=v2` → labels; a UsageError for anything Kubernetes would reject. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!text) return result;
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (eq < 0 || !isLabelKey(key) || !isLabelValue(value)) {
      throw new GitfedError('UsageError', `--labels: "${part}" is not key=value with a valid Kubernetes label key and value`);
    }
    result[key] = value;
  }
  return result;
}

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? '' : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefixOk = prefix === '' || (prefix.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix));
  return (slash < 0 || prefix !== '') && prefixOk && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(value));
}

/** The KubeFedCluster gitfed reads (gitfed decision 1): name, labels for clusterSelector, apiEndpoint. */
export function kubeFedClusterDocument(name: string, clusterLabels: Record<string, string>, apiEndpoint: string): JsonObject {
  const sortedLabels = Object.fromEntries(Object.entries(clusterLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'KubeFedCluster',
    metadata: { name, namespace: KUBEFED_NAMESPACE, ...(Object.keys(sortedLabels).length > 0 ? { labels: sortedLabels } : {}) },
    spec: { apiEndpoint },
  };
}

/** The text of `clusters/NAME.yaml`. */
export function clusterFileText(document: JsonObject): string {
  return `# Written by gitfed join. Credentials are not here: gitfed finds them in a kubeconfig context named ${String((document.metadata as JsonObject).name)}.\n${stringify(document, { lineWidth: 0 })}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The credentials kubeconfig

export interface KubeconfigDocument {
  apiVersion?: string;
  kind?: string;
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: Record<string, unknown> }[];
  'current-context'?: string;
  [field: string]: unknown;
}

export interface CredentialsEntry {
  /** Cluster, user and context name. */
  name: string;
  server: string;
  /** Base64 PEM, as in `certificate-authority-data`. */
  certificateAuthorityData?: string | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
  tlsServerName?: string | undefined;
  proxyUrl?: string | undefined;
  token: string;
}

/** Which of context, cluster and user named `name` the kubeconfig already has. */
export function credentialsConflicts(config: KubeconfigDocument | undefined, name: string): string[] {
  if (!config) return [];
  return [
    config.contexts?.some((c) => c.name === name) ? 'context' : '',
    config.clusters?.some((c) => c.name === name) ? 'cluster' : '',
    config.users?.some((u) => u.name === name) ? 'user' : '',
  ].filter(Boolean);
}

/**
 * The kubeconfig with a context, cluster and user named after the member; entries of other names are kept. The
 * context becomes current only in a kubeconfig that has none (a new file), so `kubectl --kubeconfig` works there.
 */
export function addCredentials(config: KubeconfigDocument | undefined, entry: CredentialsEntry): KubeconfigDocument {
  const base = removeCredentials(config ?? { apiVersion: 'v1', kind: 'Config' }, entry.name).config;
  const cluster: Record<string, unknown> = { server: entry.server };
  if (entry.certificateAuthorityData) cluster['certificate-authority-data'] = entry.certificateAuthorityData;
  if (entry.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true;
  if (entry.tlsServerName) cluster['tls-server-name'] = entry.tlsServerName;
  if (entry.proxyUrl) cluster['proxy-url'] = entry.proxyUrl;
  return {
    ...base,
    apiVersion: base.apiVersion ?? 'v1',
    kind: base.kind ?? 'Config',
    clusters: [...(base.clusters ?? []), { name: entry.name, cluster }],
    users: [...(base.users ?? []), { name: entry.name, user: { token: entry.token } }],
    contexts: [...(base.contexts ?? []), { name: entry.name, context: { cluster: entry.name, user: entry.name } }],
    'current-context': base['current-context'] || entry.name,
  };
}

/** The kubeconfig without the context, cluster and user named `name` (and not current any more). */
export function removeCredentials(config: KubeconfigDocument, name: string): { config: KubeconfigDocument; removed: string[] } {
  const removed = credentialsConflicts(config, name);
  const next: KubeconfigDocument = { ...config };
  if (config.clusters) next.clusters = config.clusters.filter((c) => c.name !== name);
  if (config.users) next.users = config.users.filter((u) => u.name !== name);
  if (config.contexts) next.contexts = config.contexts.filter((c) => c.name !== name);
  if (config['current-context'] === name) delete next['current-context'];
  return { config: next, removed };
}

/** A kubeconfig with only the context, cluster and user named `name`, that context current. */
export function onlyContext(config: KubeconfigDocument, name: string): KubeconfigDocument {
  return {
    apiVersion: config.apiVersion ?? 'v1',
    kind: config.kind ?? 'Config',
    clusters: (config.clusters ?? []).filter((c) => c.name === name),
    users: (config.users ?? []).filter((u) => u.name === name),
    contexts: (config.contexts ?? []).filter((c) => c.name === name),
    'current-context': name,
  };
}

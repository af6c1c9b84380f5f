/**
 * Generates the benchmark repository: KubeFed manifests at fleet scale (clusters with labels, federated
 * namespaces, mixed federated kinds with label selectors and overrides, RSPs). Deterministic for a given size.
 * Below it, the smaller repository the apply benchmark applies to lab members (`generateApplyRepo`).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface RepoSize {
  clusters: number;
  namespaces: number;
  /** Federated objects in all, FederatedNamespaces included. */
  objects: number;
  preferences: number;
}

export const benchmarkSize: RepoSize = { clusters: 50, namespaces: 100, objects: 10_000, preferences: 1_000 };

const regions = ['eu-west', 'eu-north', 'us-east', 'us-west', 'ap-south'];

export async function generateRepo(dir: string, size: RepoSize = benchmarkSize, variant = 0): Promise<void> {
  await mkdir(path.join(dir, 'clusters'), { recursive: true });
  const clusters = Array.from({ length: size.clusters }, (_, i) => `cluster-${String(i).padStart(3, '0')}`);
  await writeFile(
    path.join(dir, 'clusters', 'clusters.yaml'),
    clusters
      .map(
        (name, i) => `apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata:
  name: ${name}
  namespace: kube-federation-system
  labels:
    region: ${regions[i % regions.length]}
    env: ${i % 4 === 0 ? 'staging' : 'prod'}
    tier: "${i % 3}"
spec:
  apiEndpoint: https://${name}.example.internal:6443
`,
      )
      .join('---\n'),
  );

  const perNamespace = Math.ceil((size.objects - size.namespaces) / size.namespaces);
  let remaining = size.objects - size.namespaces;
  let preferences = size.preferences;
  for (let n = 0; n < size.namespaces; n++) {
    const namespace = `team-${String(n).padStart(3, '0')}`;
    const folder = path.join(dir, 'teams', namespace);
    await mkdir(folder, { recursive: true });
    const documents = [
      `apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata:
  name: ${namespace}
  namespace: ${namespace}
spec:
  placement:
    clusterSelector: {}
`,
    ];
    const count = Math.min(perNamespace, remaining);
    remaining -= count;
    for (let i = 0; i < count; i++) {
      const name = `app-${String(i).padStart(3, '0')}`;
      const seed = n * 1000 + i;
      const kind = i % 3 === 0 ? 'deployment' : i % 3 === 1 ? 'configmap' : 'service';
      const withPreference = kind === 'deployment' && preferences > 0;
      if (withPreference) preferences--;
      documents.push(federated(kind, namespace, name, seed, clusters, variant));
      if (withPreference) documents.push(preference(namespace, name, seed, clusters));
    }
    await writeFile(path.join(folder, 'apps.yaml'), documents.join('---\n'));
  }
}

function placement(seed: number): string {
  switch (seed % 4) {
    case 0:
      return `    clusterSelector:\n      matchLabels:\n        env: prod`;
    case 1:
      return `    clusterSelector:\n      matchExpressions:\n      - key: region\n        operator: In\n        values: [${regions[seed % 5]}, ${regions[(seed + 2) % 5]}]`;
    case 2:
      return `    clusterSelector:\n      matchExpressions:\n      - key: tier\n        operator: NotIn\n        values: ["0"]`;
    default:
      return `    clusterSelector: {}`;
  }
}

function overrides(seed: number, clusters: string[], path: string, value: string): string {
  const picked = [clusters[seed % clusters.length], clusters[(seed * 7 + 3) % clusters.length]];
  return `  overrides:\n${[...new Set(picked)]
    .map((cluster) => `  - clusterName: ${cluster}\n    clusterOverrides:\n    - path: ${path}\n      value: ${value}`)
    .join('\n')}`;
}

function federated(kind: string, namespace: string, name: string, seed: number, clusters: string[], variant: number): string {
  const head = (federatedKind: string) =>
    `apiVersion: types.kubefed.io/v1beta1\nkind: ${federatedKind}\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n`;
  const tag = `1.${(seed + variant) % 30}`;
  if (kind === 'deployment') {
    return `${head('FederatedDeployment')}  template:
    metadata:
      labels:
        app: ${name}
    spec:
      replicas: ${1 + (seed % 5)}
      selector:
        matchLabels:
          app: ${name}
      template:
        metadata:
          labels:
            app: ${name}
        spec:
          containers:
          - name: main
            image: registry.example.com/${namespace}/${name}:${tag}
            resources:
              requests:
                cpu: 100m
                memory: 128Mi
  placement:
${placement(seed)}
${overrides(seed, clusters, '/spec/template/spec/containers/0/image', `registry.example.com/${namespace}/${name}:${tag}-hotfix`)}
`;
  }
  if (kind === 'configmap') {
    return `${head('FederatedConfigMap')}  template:
    data:
      LOG_LEVEL: info
      FEATURE_FLAGS: "a,b,c"
      VERSION: "${tag}"
  placement:
${placement(seed)}
${overrides(seed, clusters, '/data/LOG_LEVEL', 'debug')}
`;
  }
  return `${head('FederatedService')}  template:
    spec:
      selector:
        app: ${name}
      ports:
      - name: http
        port: 80
        targetPort: 8080
  placement:
${placement(seed)}
`;
}

function preference(namespace: string, name: string, seed: number, clusters: string[]): string {
  return `apiVersion: scheduling.kubefed.io/v1alpha1
kind: ReplicaSchedulingPreference
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  targetKind: FederatedDeployment
  totalReplicas: ${10 + (seed % 40)}
  intersectWithClusterSelector: ${seed % 2 === 0}
  clusters:
    "*":
      weight: 1
    ${clusters[seed % clusters.length]}:
      weight: 3
      maxReplicas: 8
`;
}

export interface ApplyRepoOptions {
  /** Namespace prefix: the objects live in `<prefix>-0` … `<prefix>-9`, so runs on one member stay apart. */
  prefix: string;
  /** KubeFedCluster names; every object is placed on all of them. */
  members: readonly string[];
  /** Rendered objects per member, the 10 Namespaces included. */
  objects: number;
  /** Above 0, ~10% of the objects differ from variant 0. */
  variant?: number;
  /** Leave out the objects `isPruned` picks (30% of those that are not Namespaces). */
  withoutPruned?: boolean;
  /** Deployments' replicas (1): 0 keeps the member's controllers from starting a Pod per Deployment. */
  replicas?: number;
}

const applyRepoNamespaces = 10;

/** The objects a pruning run removes: 3 in 10 of each namespace's objects, of three kinds (Deployment, Secret, ConfigMap). */
export function isPruned(index: number): boolean {
  return index % 10 === 2 || index % 10 === 5 || index % 10 === 8;
}

/** The apply benchmark's repository: mixed kinds (Deployment, Service, Secret, ConfigMap) across 10 namespaces. */
export async function generateApplyRepo(dir: string, options: ApplyRepoOptions): Promise<void> {
  const { prefix, members, objects, variant = 0, withoutPruned = false, replicas = 1 } = options;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeClusters(dir, members);
  for (let n = 0; n < applyRepoNamespaces; n++) {
    const ns = `${prefix}-${n}`;
    const docs = [`apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\nmetadata:\n  name: ${ns}\n  namespace: ${ns}\nspec:\n  placement:\n    clusterSelector: {}\n`];
    for (let i = 0; i < objects / applyRepoNamespaces - 1; i++) {
      if (withoutPruned && isPruned(i)) continue;
      docs.push(applyRepoObject(ns, i, variant > 0 && i % 10 === 0 ? `-v${variant}` : '', replicas));
    }
    await writeFile(path.join(dir, `${ns}.yaml`), docs.join('---\n'));
  }
}

function applyRepoObject(ns: string, i: number, changed: string, replicas: number): string {
  const head = (kind: string) => `apiVersion: types.kubefed.io/v1beta1\nkind: ${kind}\nmetadata:\n  name: obj-${i}\n  namespace: ${ns}\nspec:\n  placement:\n    clusterSelector: {}\n  template:\n`;
  switch (i % 5) {
    case 0:
      return `${head('FederatedDeployment')}    spec:\n      replicas: ${replicas}\n      selector:\n        matchLabels: {app: obj-${i}}\n      template:\n        metadata:\n          labels: {app: obj-${i}}\n        spec:\n          containers:\n          - name: main\n            image: registry.example.com/app:1.0${changed}\n`;
    case 1:
      return `${head('FederatedService')}    spec:\n      selector: {app: obj-${i}}\n      ports:\n      - {name: http, port: 80, targetPort: 8080}\n      type: ClusterIP${changed ? `\n      sessionAffinity: ClientIP` : ''}\n`;
    case 2:
      return `${head('FederatedSecret')}    stringData:\n      token: value${changed}\n`;
    default:
      return `${head('FederatedConfigMap')}    data:\n      key: value${changed}\n      other: "${i}"\n`;
  }
}

export interface FleetRepoOptions {
  /** Namespace prefix: the objects live in `<prefix>-0` … `<prefix>-<namespaces - 1>`. */
  prefix: string;
  members: readonly string[];
  /** Rendered objects per member, the Namespaces included. */
  objects: number;
}

/** The kinds of the fleet benchmark, in the order objects cycle through them (ConfigMaps weigh three). */
export const fleetKinds = ['ConfigMap', 'Secret', 'ConfigMap', 'Service', 'ServiceAccount', 'ConfigMap', 'Role', 'RoleBinding', 'Secret', 'Deployment'] as const;

const roleTypeConfigs = ['Role', 'RoleBinding']
  .map((kind) => {
    const plural = `${kind.toLowerCase()}s`;
    return `apiVersion: core.kubefed.io/v1beta1\nkind: FederatedTypeConfig\nmetadata:\n  name: ${plural}.rbac.authorization.k8s.io\n  namespace: kube-federation-system\nspec:\n  federatedType:\n    group: types.kubefed.io\n    kind: Federated${kind}\n    pluralName: federated${plural}\n    scope: Namespaced\n    version: v1beta1\n  propagation: Enabled\n  targetType:\n    group: rbac.authorization.k8s.io\n    kind: ${kind}\n    pluralName: ${plural}\n    scope: Namespaced\n    version: v1\n`;
  })
  .join('---\n');

/** Namespaces of a fleet repository: one per 200 objects, at least one. */
export function fleetNamespaces(objects: number): number {
  return Math.max(1, Math.round(objects / 200));
}

/**
 * The fleet benchmark's repository: every object on every member, mixed kinds (fleetKinds: ConfigMaps, Secrets,
 * Services, ServiceAccounts, Roles, RoleBindings, Deployments at replicas 0), Roles through FederatedTypeConfigs of
 * the repository. Object `obj-<i>` of a namespace has kind `fleetKinds[i % 10]`.
 */
export async function generateFleetRepo(dir: string, options: FleetRepoOptions): Promise<void> {
  const { prefix, members, objects } = options;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeClusters(dir, members);
  await writeFile(path.join(dir, 'types.yaml'), roleTypeConfigs);
  const namespaces = fleetNamespaces(objects);
  const perNamespace = Math.floor((objects - namespaces) / namespaces);
  let extra = objects - namespaces - perNamespace * namespaces;
  for (let n = 0; n < namespaces; n++) {
    const ns = `${prefix}-${n}`;
    const docs = [`apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\nmetadata:\n  name: ${ns}\n  namespace: ${ns}\nspec:\n  placement:\n    clusterSelector: {}\n`];
    const count = perNamespace + (extra-- > 0 ? 1 : 0);
    for (let i = 0; i < count; i++) docs.push(fleetObject(ns, i));
    await writeFile(path.join(dir, `${ns}.yaml`), docs.join('---\n'));
  }
}

function fleetObject(ns: string, i: number): string {
  const kind = fleetKinds[i % fleetKinds.length]!;
  const head = `apiVersion: types.kubefed.io/v1beta1\nkind: Federated${kind}\nmetadata:\n  name: obj-${i}\n  namespace: ${ns}\nspec:\n  placement:\n    clusterSelector: {}\n  template:\n`;
  switch (kind) {
    case 'ConfigMap':
      return `${head}    data:\n      key: value-${i}\n      other: "${i}"\n`;
    case 'Secret':
      return `${head}    stringData:\n      token: token-${i}\n`;
    case 'Service':
      return `${head}    spec:\n      selector: {app: obj-${i}}\n      ports:\n      - {name: http, port: 80, targetPort: 8080}\n      publishNotReadyAddresses: false\n`;
    case 'ServiceAccount':
      return `${head}    automountServiceAccountToken: false\n`;
    case 'Role':
      return `${head}    rules:\n    - apiGroups: [""]\n      resources: [configmaps]\n      verbs: [get, list]\n`;
    case 'RoleBinding':
      return `${head}    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: obj-${i - 1}}\n    subjects:\n    - {kind: ServiceAccount, name: default, namespace: ${ns}}\n`;
    case 'Deployment':
      return `${head}    spec:\n      replicas: 0\n      minReadySeconds: 0\n      selector:\n        matchLabels: {app: obj-${i}}\n      template:\n        metadata:\n          labels: {app: obj-${i}}\n        spec:\n          containers:\n          - name: main\n            image: registry.example.com/app:1.0\n`;
  }
}

/** clusters.yaml: one KubeFedCluster per member, named as its kubeconfig context. */
async function writeClusters(dir: string, members: readonly string[]): Promise<void> {
  const clusters = members
    .map((name) => `apiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\nmetadata:\n  name: ${name}\nspec:\n  apiEndpoint: https://${name}:6443\n`)
    .join('---\n');
  await writeFile(path.join(dir, 'clusters.yaml'), clusters);
}

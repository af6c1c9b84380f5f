/**
 * Generates the benchmark repository: KubeFed manifests at fleet scale (clusters with labels, federated
 * namespaces, mixed federated kinds with label selectors and overrides, RSPs). Deterministic for a given size.
 */
import { mkdir, writeFile } from 'node:fs/promises';
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

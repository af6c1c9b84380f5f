/** Builds in-memory repositories for tests: YAML text in, Model or RenderResult out, no disk. */
import { loadModel } from '../../src/model/load-model.ts';
import type { Model } from '../../src/model/types.ts';
import { render, type RenderOptions, type RenderResult } from '../../src/render/render.ts';

export function modelOf(files: Record<string, string>): Model {
  return loadModel({ revision: null, files: new Map(Object.entries(files)), diagnostics: [] });
}

export function renderFiles(files: Record<string, string>, options?: RenderOptions): RenderResult {
  return render(modelOf(files), options);
}

export function clusterYaml(name: string, labels: Record<string, string> = {}): string {
  const labelLines = Object.entries(labels).map(([key, value]) => `    ${key}: "${value}"`);
  return [
    'apiVersion: core.kubefed.io/v1beta1',
    'kind: KubeFedCluster',
    'metadata:',
    `  name: ${name}`,
    '  namespace: kube-federation-system',
    ...(labelLines.length ? ['  labels:', ...labelLines] : []),
    'spec:',
    `  apiEndpoint: https://${name}.example.internal:6443`,
    '',
  ].join('\n');
}

/** Three clusters: a (eu, prod), b (us, prod), c (eu, staging). */
export const threeClusters = {
  'clusters.yaml': [
    clusterYaml('a', { region: 'eu', env: 'prod' }),
    clusterYaml('b', { region: 'us', env: 'prod' }),
    clusterYaml('c', { region: 'eu', env: 'staging' }),
  ].join('---\n'),
};

export function federatedNamespaceYaml(namespace: string, placement = 'clusterSelector: {}'): string {
  return `apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata:
  name: ${namespace}
  namespace: ${namespace}
spec:
  placement:
    ${placement}
`;
}

/** Names of the objects of one kind a cluster holds, as `namespace/name` or `name`. */
export function namesIn(result: RenderResult, cluster: string, kind: string): string[] {
  return (result.clusters[cluster] ?? [])
    .filter((object) => object.kind === kind)
    .map((object) => [object.metadata.namespace, object.metadata.name].filter(Boolean).join('/'));
}

export function find(result: RenderResult, cluster: string, kind: string, name: string) {
  return (result.clusters[cluster] ?? []).find((object) => object.kind === kind && object.metadata.name === name);
}

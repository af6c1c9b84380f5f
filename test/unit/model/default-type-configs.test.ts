import { describe, expect, it } from 'vitest';
import { DEFAULT_TYPE_CONFIGS, federatedScopeOf, pluralName } from '../../../src/model/default-type-configs.ts';

describe('default type configs', () => {
  it('are the ten FederatedTypeConfigs KubeFed v0.10 installs, Ingress in networking.k8s.io/v1', () => {
    expect(
      DEFAULT_TYPE_CONFIGS.map(({ name, target, federatedKind }) => [
        name,
        target.group ? `${target.group}/${target.version}` : target.version,
        target.kind,
        target.pluralName,
        target.scope,
        federatedKind,
      ]),
    ).toEqual([
      ['clusterroles.rbac.authorization.k8s.io', 'rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', 'Cluster', 'FederatedClusterRole'],
      ['configmaps', 'v1', 'ConfigMap', 'configmaps', 'Namespaced', 'FederatedConfigMap'],
      ['deployments.apps', 'apps/v1', 'Deployment', 'deployments', 'Namespaced', 'FederatedDeployment'],
      ['ingresses.networking.k8s.io', 'networking.k8s.io/v1', 'Ingress', 'ingresses', 'Namespaced', 'FederatedIngress'],
      ['jobs.batch', 'batch/v1', 'Job', 'jobs', 'Namespaced', 'FederatedJob'],
      ['namespaces', 'v1', 'Namespace', 'namespaces', 'Cluster', 'FederatedNamespace'],
      ['replicasets.apps', 'apps/v1', 'ReplicaSet', 'replicasets', 'Namespaced', 'FederatedReplicaSet'],
      ['secrets', 'v1', 'Secret', 'secrets', 'Namespaced', 'FederatedSecret'],
      ['serviceaccounts', 'v1', 'ServiceAccount', 'serviceaccounts', 'Namespaced', 'FederatedServiceAccount'],
      ['services', 'v1', 'Service', 'services', 'Namespaced', 'FederatedService'],
    ]);
  });

  it('all use federated group types.kubefed.io, version v1beta1, propagation Enabled and have no origin', () => {
    for (const type of DEFAULT_TYPE_CONFIGS) {
      expect(type).toMatchObject({ federatedGroup: 'types.kubefed.io', federatedVersion: 'v1beta1', propagation: 'Enabled' });
      expect(type.origin).toBeUndefined();
    }
  });

  it('are frozen, because every model shares them', () => {
    expect(Object.isFrozen(DEFAULT_TYPE_CONFIGS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_TYPE_CONFIGS[0])).toBe(true);
    expect(Object.isFrozen(DEFAULT_TYPE_CONFIGS[0]!.target)).toBe(true);
  });

  it('make FederatedNamespace namespaced although Namespace is cluster-scoped', () => {
    const scopes = Object.fromEntries(DEFAULT_TYPE_CONFIGS.map((type) => [type.federatedKind, federatedScopeOf(type)]));
    expect(scopes.FederatedNamespace).toBe('Namespaced');
    expect(scopes.FederatedClusterRole).toBe('Cluster');
    expect(scopes.FederatedDeployment).toBe('Namespaced');
  });
});

describe('pluralName', () => {
  it.each([
    ['Deployment', 'deployments'],
    ['Ingress', 'ingresses'],
    ['Box', 'boxes'],
    ['Batch', 'batches'],
    ['Mesh', 'meshes'],
    ['Quiz', 'quizes'],
    ['Video', 'videoes'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Gateway', 'gatewaies'],
    ['Endpoints', 'endpointses'],
    ['ConfigMap', 'configmaps'],
  ])('turns %s into %s exactly as KubeFed does, quirks included', (kind, plural) => {
    expect(pluralName(kind)).toBe(plural);
  });
});

import { describe, expect, it } from 'vitest';
import { render } from '../../../src/render/render.ts';
import { find, federatedNamespaceYaml, modelOf, namesIn, renderFiles, threeClusters } from '../../support/repo.ts';

const shop = { 'ns.yaml': federatedNamespaceYaml('shop') };

function deployment(extra: string, placement = 'clusterSelector: {}'): string {
  return `apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: web
    spec:
      replicas: 2
      selector:
        matchLabels:
          app: web
      template:
        metadata:
          labels:
            app: web
        spec:
          containers:
          - name: web
            image: nginx:1.27
  placement:
    ${placement}
${extra}`;
}

describe('render: building member objects (spec §2)', () => {
  it('gives every declared cluster a key, even when nothing is placed there', () => {
    const result = renderFiles({ ...threeClusters });
    expect(Object.keys(result.clusters)).toEqual(['a', 'b', 'c']);
    expect(result.clusters.a).toEqual([]);
  });

  it('sets name, namespace, kind and a core apiVersion of v1 (never /v1)', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'cm.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata:
  name: settings
  namespace: shop
spec:
  template:
    kind: Secret
    metadata:
      name: renamed
      namespace: elsewhere
    data:
      key: value
  placement:
    clusters: [{name: a}]
`,
    });
    const object = find(result, 'a', 'ConfigMap', 'settings');
    expect(object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' } });
    expect(object?.data).toEqual({ key: 'value' });
  });

  it('keeps a template apiVersion as written', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment('').replace('  template:\n    metadata:', '  template:\n    apiVersion: apps/v1beta2\n    metadata:'),
    });
    expect(find(result, 'a', 'Deployment', 'web')?.apiVersion).toBe('apps/v1beta2');
  });

  it('keeps template annotations (gitfed decision 3) and drops finalizers with a warning', () => {
    const files = {
      ...threeClusters,
      ...shop,
      'd.yaml': deployment('').replace(
        '    metadata:\n      labels:\n        app: web\n    spec:\n      replicas',
        '    metadata:\n      labels:\n        app: web\n      annotations:\n        team: storefront\n      finalizers: [example.com/keep]\n    spec:\n      replicas',
      ),
    };
    const result = renderFiles(files);
    const object = find(result, 'a', 'Deployment', 'web');
    expect(object?.metadata.annotations?.team).toBe('storefront');
    expect(object?.metadata.finalizers).toBeUndefined();
    const dropped = result.diagnostics.filter((d) => d.code === 'FinalizersNotSupported');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ severity: 'warning', file: 'd.yaml', line: 13 });
  });

  it('never gives a Namespace object a namespace', () => {
    const result = renderFiles({ ...threeClusters, ...shop });
    expect(find(result, 'b', 'Namespace', 'shop')?.metadata).not.toHaveProperty('namespace');
  });

  it('adds the managed label and ownership annotations after overrides, so overrides cannot remove them', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment(`  overrides:
  - clusterName: a
    clusterOverrides:
    - path: /metadata/labels
      value: {app: other}
    - op: add
      path: /metadata/annotations
      value: {note: from-override}
`),
    });
    const object = find(result, 'a', 'Deployment', 'web');
    expect(object?.metadata.labels).toEqual({ app: 'other', 'kubefed.io/managed': 'true' });
    expect(object?.metadata.annotations).toEqual({
      note: 'from-override',
      'gitfed.io/federated-object': 'FederatedDeployment/shop/web',
      'gitfed.io/instance': 'gitfed',
    });
  });

  it('cannot rename an object through an override of /metadata', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment(`  overrides:
  - clusterName: a
    clusterOverrides:
    - path: /metadata
      value: {name: evil, namespace: kube-system}
`),
    });
    expect(find(result, 'a', 'Deployment', 'web')?.metadata).toMatchObject({ name: 'web', namespace: 'shop' });
  });

  it('marks objects of an orphaning federated object and of retainReplicas', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment('  retainReplicas: true\n').replace(
        '  namespace: shop\nspec:',
        '  namespace: shop\n  annotations:\n    kubefed.io/orphan: "true"\nspec:',
      ),
    });
    expect(find(result, 'a', 'Deployment', 'web')?.metadata.annotations).toMatchObject({
      'kubefed.io/orphan': 'true',
      'gitfed.io/retain-replicas': 'true',
    });
  });

  it('names the instance in the ownership annotation', () => {
    const result = render(modelOf({ ...threeClusters, ...shop }), { instance: 'fleet-eu' });
    expect(find(result, 'a', 'Namespace', 'shop')?.metadata.annotations?.['gitfed.io/instance']).toBe('fleet-eu');
  });
});

describe('render: placement and namespaces (spec §1.3, §3)', () => {
  it('places a namespaced object nowhere, with NamespaceNotFederated, when its namespace is not federated', () => {
    const result = renderFiles({ ...threeClusters, 'd.yaml': deployment('') });
    expect(namesIn(result, 'a', 'Deployment')).toEqual([]);
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'NamespaceNotFederated', severity: 'warning', resource: 'Deployment/shop/web', file: 'd.yaml' }),
    );
  });

  it('intersects an object placement with its FederatedNamespace placement', () => {
    const result = renderFiles({
      ...threeClusters,
      'ns.yaml': federatedNamespaceYaml('shop', 'clusters: [{name: a}, {name: c}]'),
      'd.yaml': deployment('', 'clusterSelector: {matchLabels: {env: prod}}'),
    });
    expect(namesIn(result, 'a', 'Deployment')).toEqual(['shop/web']);
    expect(namesIn(result, 'b', 'Deployment')).toEqual([]);
    expect(namesIn(result, 'c', 'Deployment')).toEqual([]);
    expect(namesIn(result, 'c', 'Namespace')).toEqual(['shop']);
  });

  it('does not propagate reserved namespaces but places objects within them', () => {
    const result = renderFiles({
      ...threeClusters,
      'ns.yaml': federatedNamespaceYaml('default'),
      'cm.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata:
  name: settings
  namespace: default
spec:
  placement:
    clusterSelector: {}
`,
    });
    expect(namesIn(result, 'a', 'Namespace')).toEqual([]);
    expect(namesIn(result, 'a', 'ConfigMap')).toEqual(['default/settings']);
  });

  it('warns about placement names no cluster declares', () => {
    const result = renderFiles({ ...threeClusters, ...shop, 'd.yaml': deployment('', 'clusters: [{name: a}, {name: zz}]') });
    expect(namesIn(result, 'a', 'Deployment')).toEqual(['shop/web']);
    const unknown = result.diagnostics.find((d) => d.code === 'UnknownPlacementCluster');
    expect(unknown).toMatchObject({ severity: 'warning', file: 'd.yaml', line: 25 });
    expect(unknown?.message).toContain('"zz"');
  });

  it('orders objects by apply stage (Pod-starting kinds last), then kind, namespace and name', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment(''),
      'rbac.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedClusterRole
metadata:
  name: reader
spec:
  template:
    rules: []
  placement:
    clusterSelector: {}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedServiceAccount
metadata:
  name: app
  namespace: shop
spec:
  placement:
    clusterSelector: {}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedService
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      ports: [{port: 80}]
  placement:
    clusterSelector: {}
`,
    });
    expect(result.clusters.a?.map((o) => o.kind)).toEqual(['Namespace', 'ClusterRole', 'ServiceAccount', 'Service', 'Deployment']);
  });
});

describe('render: overrides (spec §1.4)', () => {
  it('applies a cluster override only to that cluster', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment(`  overrides:
  - clusterName: b
    clusterOverrides:
    - path: /spec/replicas
      value: 5
`),
    });
    expect(find(result, 'a', 'Deployment', 'web')?.spec).toMatchObject({ replicas: 2 });
    expect(find(result, 'b', 'Deployment', 'web')?.spec).toMatchObject({ replicas: 5 });
  });

  it('fails the object in every placed cluster when the override list is invalid, and keeps rendering others', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment(`  overrides:
  - clusterName: b
    clusterOverrides:
    - path: /metadata/name
      value: other
`),
    });
    expect(namesIn(result, 'a', 'Deployment')).toEqual([]);
    expect(namesIn(result, 'a', 'Namespace')).toEqual(['shop']);
    const failures = result.diagnostics.filter((d) => d.code === 'ApplyOverridesFailed');
    expect(failures.map((d) => d.cluster)).toEqual(['a', 'b', 'c']);
    expect(failures[0]).toMatchObject({ severity: 'error', file: 'd.yaml', line: 29, resource: 'Deployment/shop/web' });
  });

  it('fails only the cluster whose patch does not apply, pointing at the failing operation', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment(`  overrides:
  - clusterName: c
    clusterOverrides:
    - path: /spec/replicas
      value: 1
    - op: remove
      path: /spec/paused
`),
    });
    expect(namesIn(result, 'b', 'Deployment')).toEqual(['shop/web']);
    expect(namesIn(result, 'c', 'Deployment')).toEqual([]);
    const failure = result.diagnostics.find((d) => d.code === 'ApplyOverridesFailed');
    expect(failure).toMatchObject({ cluster: 'c', file: 'd.yaml', line: 32, column: 13 });
  });
});

describe('render: ReplicaSchedulingPreference (spec §4, decision 8)', () => {
  const rsp = (spec: string) => `apiVersion: scheduling.kubefed.io/v1alpha1
kind: ReplicaSchedulingPreference
metadata:
  name: web
  namespace: shop
spec:
  targetKind: FederatedDeployment
${spec}`;

  it('splits replicas across all available clusters and places zero-replica clusters too', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment('', 'clusters: [{name: a}]'),
      'rsp.yaml': rsp('  totalReplicas: 9\n  clusters:\n    a: {weight: 1}\n    b: {weight: 2}\n'),
    });
    expect(find(result, 'a', 'Deployment', 'web')?.spec).toMatchObject({ replicas: 3 });
    expect(find(result, 'b', 'Deployment', 'web')?.spec).toMatchObject({ replicas: 6 });
    expect(find(result, 'c', 'Deployment', 'web')?.spec).toMatchObject({ replicas: 0 });
    expect(result.replicas).toEqual([
      { preference: 'shop/web', target: 'FederatedDeployment/shop/web', totalReplicas: 9, clusters: { a: 3, b: 6, c: 0 } },
    ]);
  });

  it('treats an absent cluster map as an equal weight for every cluster', () => {
    const result = renderFiles({ ...threeClusters, ...shop, 'd.yaml': deployment(''), 'rsp.yaml': rsp('  totalReplicas: 9\n') });
    expect(result.replicas[0]?.clusters).toEqual({ a: 3, b: 3, c: 3 });
  });

  it('plans only over the available clusters when some are not ready', () => {
    const result = render(
      modelOf({ ...threeClusters, ...shop, 'd.yaml': deployment(''), 'rsp.yaml': rsp('  totalReplicas: 9\n') }),
      { availableClusters: ['a', 'c'] },
    );
    // 9 over two equal weights: the odd replica goes to the cluster whose FNV-1 hash with key shop/web sorts first.
    expect(result.replicas[0]?.clusters).toEqual({ a: 4, c: 5 });
    expect(namesIn(result, 'b', 'Deployment')).toEqual([]);
  });

  it('limits the planner to the selector when intersectWithClusterSelector is set', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment('', 'clusterSelector: {matchLabels: {env: prod}}'),
      'rsp.yaml': rsp('  totalReplicas: 4\n  intersectWithClusterSelector: true\n'),
    });
    expect(result.replicas[0]?.clusters).toEqual({ a: 2, b: 2 });
    expect(namesIn(result, 'c', 'Deployment')).toEqual([]);
  });

  it('replaces an existing /spec/replicas override instead of adding a second one', () => {
    const result = renderFiles({
      ...threeClusters,
      ...shop,
      'd.yaml': deployment(`  overrides:
  - clusterName: a
    clusterOverrides:
    - path: /spec/replicas
      value: 100
    - path: /spec/template/spec/containers/0/image
      value: nginx:eu
`),
      'rsp.yaml': rsp('  totalReplicas: 3\n'),
    });
    const object = find(result, 'a', 'Deployment', 'web') as unknown as { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } };
    expect(object.spec.replicas).toBe(1);
    expect(object.spec.template.spec.containers[0]?.image).toBe('nginx:eu');
  });
});

describe('render: determinism', () => {
  it('gives byte-identical output whatever the file order', () => {
    const files = { ...threeClusters, ...shop, 'd.yaml': deployment('') };
    const reversed = Object.fromEntries(Object.entries(files).reverse());
    expect(JSON.stringify(renderFiles(reversed))).toBe(JSON.stringify(renderFiles(files)));
  });
});

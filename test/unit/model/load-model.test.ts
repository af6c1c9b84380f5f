import { describe, expect, it } from 'vitest';
import { compareDiagnostics, error } from '../../../src/model/diagnostic.ts';
import type { Diagnostic } from '../../../src/model/diagnostic.ts';
import { DEFAULT_TYPE_CONFIGS } from '../../../src/model/default-type-configs.ts';
import { loadModel } from '../../../src/model/load-model.ts';
import type { Model } from '../../../src/model/types.ts';
import { manyDocuments } from './many-documents.ts';

function load(files: Record<string, string>, revision: string | null = null): Model {
  return loadModel({ revision, files: new Map(Object.entries(files)), diagnostics: [] });
}

/** Code, severity and position of each diagnostic: what a person fixing the repo needs. */
function summary(diagnostics: Diagnostic[]) {
  return diagnostics.map(({ severity, code, file, line, column, field }) => ({ severity, code, file, line, column, field }));
}

const cluster = (name: string, labels = '') => `apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata:
  name: ${name}
  namespace: kube-federation-system
${labels}spec:
  apiEndpoint: https://${name}.example.internal:6443
`;

const configMap = (name: string, namespace = 'shop', extra = '') => `apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  template:
    data:
      key: value
${extra}`;

describe('loadModel: recognising documents', () => {
  it('reads a KubeFedCluster into a cluster with its labels, endpoint and secret name', () => {
    const model = load({
      'clusters.yaml': `apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata:
  name: eu-1
  namespace: kube-federation-system
  labels:
    region: eu
spec:
  apiEndpoint: https://eu-1.example.internal:6443
  caBundle: LS0tLS1CRUdJTi==
  secretRef:
    name: eu-1-token
  disabledTLSValidations: ["*"]
`,
    });
    expect(model.diagnostics).toEqual([]);
    expect(model.clusters).toEqual([
      expect.objectContaining({ name: 'eu-1', labels: { region: 'eu' }, apiEndpoint: 'https://eu-1.example.internal:6443', secretName: 'eu-1-token' }),
    ]);
    expect(model.clusters[0]!.origin).toMatchObject({ file: 'clusters.yaml', line: 1, column: 1 });
  });

  it('accepts a KubeFedCluster without spec, since credentials are looked up by cluster name', () => {
    const model = load({ 'c.yaml': 'apiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\nmetadata:\n  name: local\n' });
    expect(model.diagnostics).toEqual([]);
    expect(model.clusters.map(({ name, labels, apiEndpoint, secretName }) => ({ name, labels, apiEndpoint, secretName }))).toEqual([
      { name: 'local', labels: {}, apiEndpoint: undefined, secretName: undefined },
    ]);
  });

  it('reads a Federated<Kind> of any version with its template, placement, overrides and labels', () => {
    const model = load({
      'web.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata:
  name: web
  namespace: shop
  labels:
    team: storefront
  annotations:
    kubefed.io/orphan: "true"
spec:
  retainReplicas: true
  template:
    metadata:
      annotations:
        kept: "by the loader"
    spec:
      replicas: 2
  placement:
    clusters:
    - name: eu-1
  overrides:
  - clusterName: eu-1
    clusterOverrides:
    - op: replace
      path: /spec/replicas
      value: 4
`,
      'old.yaml': 'apiVersion: types.kubefed.io/v1alpha1\nkind: FederatedSecret\nmetadata:\n  name: token\n  namespace: shop\nspec: {}\n',
    });
    expect(model.diagnostics).toEqual([]);
    const [web, token] = model.objects;
    expect(web).toMatchObject({
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      name: 'web',
      namespace: 'shop',
      labels: { team: 'storefront' },
      annotations: { 'kubefed.io/orphan': 'true' },
      retainReplicas: true,
      template: { metadata: { annotations: { kept: 'by the loader' } }, spec: { replicas: 2 } },
      placement: { clusters: [{ name: 'eu-1' }] },
      overrides: [{ clusterName: 'eu-1', clusterOverrides: [{ op: 'replace', path: '/spec/replicas', value: 4 }] }],
    });
    expect(web!.type.name).toBe('deployments.apps');
    expect(token).toMatchObject({ apiVersion: 'types.kubefed.io/v1alpha1', kind: 'FederatedSecret', retainReplicas: false });
    expect(token!.type.name).toBe('secrets');
  });

  it('reads a FederatedNamespace named after its namespace', () => {
    const model = load({
      'ns.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\nmetadata:\n  name: shop\n  namespace: shop\nspec:\n  placement:\n    clusterSelector: {}\n',
    });
    expect(model.diagnostics).toEqual([]);
    expect(model.objects).toEqual([
      expect.objectContaining({ kind: 'FederatedNamespace', name: 'shop', namespace: 'shop', placement: { clusterSelector: {} } }),
    ]);
    expect(model.objects[0]!.type.target).toEqual({ group: '', version: 'v1', kind: 'Namespace', pluralName: 'namespaces', scope: 'Cluster' });
  });

  it('ignores a FederatedNamespace whose name differs from its namespace, with an InvalidName warning', () => {
    const model = load({
      'ns.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\nmetadata:\n  name: shop\n  namespace: default\nspec: {}\n',
    });
    expect(model.objects).toEqual([]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'warning', code: 'InvalidName', file: 'ns.yaml', line: 4, column: 9, field: 'metadata.name' },
    ]);
    expect(model.diagnostics[0]!.resource).toBe('FederatedNamespace/default/shop');
  });

  it('reads a ReplicaSchedulingPreference with KubeFed defaults for what it leaves out', () => {
    const model = load({
      'rsp.yaml': `apiVersion: scheduling.kubefed.io/v1alpha1
kind: ReplicaSchedulingPreference
metadata:
  name: web
  namespace: shop
spec:
  targetKind: FederatedDeployment
  totalReplicas: 9
  clusters:
    "*":
      weight: 1
    eu-1:
      minReplicas: 2
      maxReplicas: 5
`,
      'plain.yaml': `apiVersion: scheduling.kubefed.io/v1alpha1
kind: ReplicaSchedulingPreference
metadata:
  name: api
  namespace: shop
spec:
  targetKind: FederatedReplicaSet
  totalReplicas: 0
  rebalance: true
  intersectWithClusterSelector: true
`,
    });
    expect(model.diagnostics).toEqual([]);
    expect(model.preferences.map(({ origin: _origin, ...rest }) => rest)).toEqual([
      { name: 'api', namespace: 'shop', targetKind: 'FederatedReplicaSet', totalReplicas: 0, rebalance: true, intersectWithClusterSelector: true, clusters: {} },
      {
        name: 'web',
        namespace: 'shop',
        targetKind: 'FederatedDeployment',
        totalReplicas: 9,
        rebalance: false,
        intersectWithClusterSelector: false,
        clusters: { '*': { weight: 1 }, 'eu-1': { minReplicas: 2, maxReplicas: 5 } },
      },
    ]);
  });

  it('reads a FederatedTypeConfig, taking the target plural and group from its name when they are left out', () => {
    const model = load({
      'types.yaml': `apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata:
  name: widgets.example.io
  namespace: kube-federation-system
spec:
  targetType:
    version: v2
    kind: Widget
    scope: Namespaced
  federatedType:
    group: types.kubefed.io
    version: v1beta1
    kind: FederatedWidget
    pluralName: federatedwidgets
    scope: Namespaced
  propagation: Enabled
`,
    });
    expect(model.diagnostics).toEqual([]);
    const widgets = model.typeConfigs.find((type) => type.name === 'widgets.example.io');
    expect(widgets).toMatchObject({
      target: { group: 'example.io', version: 'v2', kind: 'Widget', pluralName: 'widgets', scope: 'Namespaced' },
      federatedKind: 'FederatedWidget',
      federatedGroup: 'types.kubefed.io',
      federatedVersion: 'v1beta1',
      propagation: 'Enabled',
      origin: expect.objectContaining({ file: 'types.yaml', line: 1 }),
    });
  });

  it('reads kinds that a FederatedTypeConfig declares in a group of its own as federated objects', () => {
    const model = load({
      'types.yaml': `apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata:
  name: configmaps
spec:
  targetType: {version: v1, kind: ConfigMap, scope: Namespaced}
  federatedType: {group: fed.example.com, version: v1, kind: FederatedConfigMap, scope: Namespaced}
  propagation: Enabled
`,
      'cm.yaml': 'apiVersion: fed.example.com/v1\nkind: FederatedConfigMap\nmetadata:\n  name: settings\n  namespace: shop\nspec: {}\n',
    });
    expect(model.diagnostics).toEqual([]);
    expect(model.objects.map((object) => [object.apiVersion, object.name, object.type.federatedGroup])).toEqual([
      ['fed.example.com/v1', 'settings', 'fed.example.com'],
    ]);
  });

  it('ignores every other document with a DocumentIgnored warning naming its apiVersion and kind', () => {
    const model = load({
      'misc.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
data: {}
---
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedConfig
metadata:
  name: kubefed
---
- just
- a list
---
title: no apiVersion here
`,
    });
    expect(model.objects).toEqual([]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'warning', code: 'DocumentIgnored', file: 'misc.yaml', line: 1, column: 1, field: undefined },
      { severity: 'warning', code: 'DocumentIgnored', file: 'misc.yaml', line: 7, column: 1, field: undefined },
      { severity: 'warning', code: 'DocumentIgnored', file: 'misc.yaml', line: 12, column: 1, field: undefined },
      { severity: 'warning', code: 'DocumentIgnored', file: 'misc.yaml', line: 15, column: 1, field: undefined },
    ]);
    const [configMapIgnored, configIgnored, listIgnored, bareIgnored] = model.diagnostics.map((diagnostic) => diagnostic.message);
    expect(configMapIgnored).toMatch(/^v1 ConfigMap "plain" ignored: .*FederatedConfigMap/);
    expect(configIgnored).toMatch(/^core\.kubefed\.io\/v1beta1 KubeFedConfig "kubefed" ignored/);
    expect(listIgnored).toContain('a list');
    expect(bareIgnored).toContain('no apiVersion and kind');
  });

  it('reports a KubeFed kind written with the wrong apiVersion instead of ignoring it silently', () => {
    const model = load({ 'c.yaml': 'apiVersion: core.kubefed.io/v1alpha1\nkind: KubeFedCluster\nmetadata:\n  name: eu-1\n' });
    expect(model.clusters).toEqual([]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'SchemaInvalid', file: 'c.yaml', line: 1, column: 13, field: 'apiVersion' },
    ]);
    expect(model.diagnostics[0]!.message).toBe('apiVersion must be core.kubefed.io/v1beta1 for KubeFedCluster, got "core.kubefed.io/v1alpha1"');
  });

  it('carries the revision and the snapshot diagnostics into the model', () => {
    const readProblem = error('FileTooLarge', 'file is too large', { file: 'big.yaml' });
    const model = loadModel({ revision: 'abc123', files: new Map(), diagnostics: [readProblem] });
    expect(model.revision).toBe('abc123');
    expect(model.diagnostics).toEqual([readProblem]);
  });
});

describe('loadModel: target types', () => {
  const repoDeployments = (propagation = 'Enabled') => `apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata:
  name: deployments.apps
spec:
  targetType:
    group: apps
    version: v1beta2
    kind: Deployment
    pluralName: deployments
    scope: Namespaced
  federatedType:
    group: types.kubefed.io
    version: v1beta1
    kind: FederatedDeployment
    scope: Namespaced
  propagation: ${propagation}
`;
  const deployment = 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    apiVersion: apps/v1\n';

  it('prefers a FederatedTypeConfig from the repository over the default type', () => {
    const model = load({ 'types.yaml': repoDeployments(), 'web.yaml': deployment });
    expect(model.diagnostics).toEqual([]);
    expect(model.objects[0]!.type.target.version).toBe('v1beta2');
    expect(model.objects[0]!.type.origin).toMatchObject({ file: 'types.yaml' });
  });

  it('uses the default type when the repository has no FederatedTypeConfig for the kind', () => {
    const model = load({ 'web.yaml': deployment });
    expect(model.objects[0]!.type).toBe(DEFAULT_TYPE_CONFIGS.find((type) => type.name === 'deployments.apps'));
  });

  it('infers the target from the template apiVersion with KubeFed plural and scope from metadata.namespace', () => {
    const model = load({
      'policy.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedNetworkPolicy
metadata:
  name: deny-all
  namespace: shop
spec:
  template:
    apiVersion: networking.k8s.io/v1
    spec: {}
`,
      'binding.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedClusterRoleBinding
metadata:
  name: readers
spec:
  template:
    apiVersion: rbac.authorization.k8s.io/v1
`,
      'limits.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedLimitRange\nmetadata:\n  name: limits\n  namespace: shop\nspec:\n  template:\n    apiVersion: v1\n',
    });
    expect(model.diagnostics).toEqual([]);
    const types = Object.fromEntries(model.objects.map((object) => [object.kind, object.type]));
    expect(types.FederatedNetworkPolicy).toMatchObject({
      name: 'networkpolicies.networking.k8s.io',
      target: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', pluralName: 'networkpolicies', scope: 'Namespaced' },
      federatedKind: 'FederatedNetworkPolicy',
      federatedGroup: 'types.kubefed.io',
      propagation: 'Enabled',
    });
    expect(types.FederatedClusterRoleBinding!.target).toEqual({
      group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', pluralName: 'clusterrolebindings', scope: 'Cluster',
    });
    expect(types.FederatedLimitRange).toMatchObject({ name: 'limitranges', target: { group: '', version: 'v1', kind: 'LimitRange' } });
    // Inferred types belong to their objects, not to the repository's list of type configs.
    expect(model.typeConfigs.map((type) => type.name)).not.toContain('networkpolicies.networking.k8s.io');
  });

  it('reports UnknownTargetType at the kind when nothing says what a federated kind targets', () => {
    const model = load({
      'widget.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedWidget\nmetadata:\n  name: w\n  namespace: shop\nspec:\n  template:\n    spec: {}\n',
    });
    expect(model.objects).toEqual([]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'UnknownTargetType', file: 'widget.yaml', line: 2, column: 7, field: 'kind' },
    ]);
    expect(model.diagnostics[0]!.message).toContain('FederatedTypeConfig');
    expect(model.diagnostics[0]!.resource).toBe('FederatedWidget/shop/w');
  });

  it('keeps objects of a type whose propagation is Disabled, without a diagnostic', () => {
    const model = load({ 'types.yaml': repoDeployments('Disabled'), 'web.yaml': deployment });
    expect(model.diagnostics).toEqual([]);
    expect(model.objects.map((object) => [object.name, object.type.propagation])).toEqual([['web', 'Disabled']]);
  });

  it('lists the repository type configs and the defaults they do not replace, sorted by name', () => {
    const model = load({ 'types.yaml': repoDeployments() });
    expect(model.typeConfigs.map((type) => type.name)).toEqual(DEFAULT_TYPE_CONFIGS.map((type) => type.name));
    expect(model.typeConfigs.find((type) => type.name === 'deployments.apps')!.target.version).toBe('v1beta2');
  });

  it('lets a FederatedTypeConfig replace the default of the same name, even for another federated kind', () => {
    const model = load({
      'types.yaml': repoDeployments().replace('kind: FederatedDeployment', 'kind: FederatedDeploy'),
      'web.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeployment\nmetadata:\n  name: web\n  namespace: shop\nspec: {}\n',
    });
    expect(model.typeConfigs.filter((type) => type.name === 'deployments.apps').map((type) => type.federatedKind)).toEqual(['FederatedDeploy']);
    expect(model.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.file])).toEqual([['UnknownTargetType', 'web.yaml']]);
  });

  it('requires metadata.namespace on namespaced federated kinds and forbids it on cluster-scoped ones', () => {
    const model = load({
      'cm.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\nmetadata:\n  name: settings\nspec: {}\n',
      'role.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedClusterRole\nmetadata:\n  name: reader\n  namespace: shop\nspec: {}\n',
    });
    expect(model.objects).toEqual([]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 3, column: 1, field: 'metadata.namespace' },
      { severity: 'error', code: 'SchemaInvalid', file: 'role.yaml', line: 5, column: 14, field: 'metadata.namespace' },
    ]);
    expect(model.diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
      'metadata.namespace is required: FederatedConfigMap is namespaced',
      'metadata.namespace must not be set: FederatedClusterRole is cluster-scoped',
    ]);
  });
});

describe('loadModel: placement and overrides', () => {
  it('keeps null and absent placement fields apart', () => {
    const model = load({
      'a-absent.yaml': configMap('a-absent'),
      'b-null.yaml': configMap('b-null', 'shop', '  placement:\n'),
      'c-empty.yaml': configMap('c-empty', 'shop', '  placement: {}\n'),
      'd-null-clusters.yaml': configMap('d-null-clusters', 'shop', '  placement:\n    clusters: ~\n    clusterSelector: {}\n'),
      'e-no-clusters.yaml': configMap('e-no-clusters', 'shop', '  placement:\n    clusters: []\n    clusterSelector:\n      matchLabels:\n'),
      'f-expressions.yaml': configMap(
        'f-expressions',
        'shop',
        '  placement:\n    clusterSelector:\n      matchExpressions:\n      - {key: region, operator: In, values: [eu]}\n      - {key: gpu, operator: Exists}\n',
      ),
    });
    expect(model.diagnostics).toEqual([]);
    const placements = Object.fromEntries(model.objects.map((object) => [object.name, object]));
    expect('placement' in placements['a-absent']!).toBe(false);
    expect(placements['b-null']!.placement).toBeNull();
    expect(placements['c-empty']!.placement).toStrictEqual({});
    expect(placements['d-null-clusters']!.placement).toStrictEqual({ clusters: null, clusterSelector: {} });
    expect(placements['e-no-clusters']!.placement).toStrictEqual({ clusters: [], clusterSelector: { matchLabels: null } });
    expect(placements['f-expressions']!.placement).toStrictEqual({
      clusterSelector: { matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }, { key: 'gpu', operator: 'Exists' }] },
    });
  });

  it('keeps absent, null and empty overrides, ops and values apart', () => {
    const model = load({
      'a.yaml': configMap('a', 'shop', '  overrides:\n'),
      'b.yaml': configMap(
        'b',
        'shop',
        '  overrides:\n  - clusterName: eu-1\n  - clusterName: us-1\n    clusterOverrides:\n    - path: /data/key\n    - op: ""\n      path: /data/other\n      value: null\n    - op: remove\n      path: /data/gone\n',
      ),
    });
    expect(model.diagnostics).toEqual([]);
    const [a, b] = model.objects;
    expect(a!.overrides).toBeNull();
    expect(b!.overrides).toStrictEqual([
      { clusterName: 'eu-1' },
      {
        clusterName: 'us-1',
        clusterOverrides: [{ path: '/data/key' }, { op: '', path: '/data/other', value: null }, { op: 'remove', path: '/data/gone' }],
      },
    ]);
  });
});

describe('loadModel: schema errors point at the field', () => {
  it('says what an integer field expects and what it got', () => {
    const model = load({
      'rsp.yaml': 'apiVersion: scheduling.kubefed.io/v1alpha1\nkind: ReplicaSchedulingPreference\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  targetKind: FederatedDeployment\n  totalReplicas: three\n',
    });
    expect(model.preferences).toEqual([]);
    expect(model.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'SchemaInvalid',
        message: 'spec.totalReplicas must be an integer ≥ 0, got "three"',
        file: 'rsp.yaml',
        line: 8,
        column: 18,
        field: 'spec.totalReplicas',
        resource: 'ReplicaSchedulingPreference/shop/web',
      },
    ]);
  });

  it('reports a missing required field at the deepest field that exists', () => {
    const model = load({
      'rsp.yaml': 'apiVersion: scheduling.kubefed.io/v1alpha1\nkind: ReplicaSchedulingPreference\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  totalReplicas: 3\n',
    });
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'SchemaInvalid', file: 'rsp.yaml', line: 6, column: 1, field: 'spec.targetKind' },
    ]);
    expect(model.diagnostics[0]!.message).toBe('spec.targetKind is required: one of FederatedDeployment, FederatedReplicaSet');
  });

  it('checks selector operators and the values each operator needs', () => {
    const model = load({
      'cm.yaml': configMap(
        'settings',
        'shop',
        `  placement:
    clusterSelector:
      matchExpressions:
      - key: region
        operator: Equals
        values: [eu]
      - key: region
        operator: In
      - key: gpu
        operator: Exists
        values: ["true"]
`,
      ),
    });
    expect(model.objects).toEqual([]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 14, column: 19, field: 'spec.placement.clusterSelector.matchExpressions[0].operator' },
      // values missing: the deepest field that exists is the requirement itself.
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 16, column: 9, field: 'spec.placement.clusterSelector.matchExpressions[1].values' },
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 20, column: 9, field: 'spec.placement.clusterSelector.matchExpressions[2].values' },
    ]);
    expect(model.diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
      'spec.placement.clusterSelector.matchExpressions[0].operator must be one of In, NotIn, Exists, DoesNotExist, got "Equals"',
      'spec.placement.clusterSelector.matchExpressions[1].values must be a non-empty list when operator is In, got nothing',
      'spec.placement.clusterSelector.matchExpressions[2].values must be empty when operator is Exists, got a list of 1',
    ]);
  });

  it('checks override ops, paths and cluster names', () => {
    const model = load({
      'cm.yaml': configMap(
        'settings',
        'shop',
        '  overrides:\n  - clusterName: eu-1\n    clusterOverrides:\n    - op: merge\n      path: /data/key\n    - value: 1\n  - clusterOverrides: []\n',
      ),
    });
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 13, column: 11, field: 'spec.overrides[0].clusterOverrides[0].op' },
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 15, column: 7, field: 'spec.overrides[0].clusterOverrides[1].path' },
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 16, column: 5, field: 'spec.overrides[1].clusterName' },
    ]);
    expect(model.diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
      'spec.overrides[0].clusterOverrides[0].op must be one of add, remove, replace (or empty, meaning replace), got "merge"',
      'spec.overrides[0].clusterOverrides[1].path is required: a string (a JSON pointer such as /spec/replicas)',
      'spec.overrides[1].clusterName is required: a string',
    ]);
  });

  it('checks metadata: names are DNS-1123 subdomains and label values are strings', () => {
    const model = load({
      'cm.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\nmetadata:\n  name: Shop_Settings\n  namespace: shop\n  labels:\n    tier: 1\n    app.kubernetes.io/name: 2\nspec: {}\n',
    });
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 4, column: 9, field: 'metadata.name' },
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 7, column: 11, field: 'metadata.labels.tier' },
      { severity: 'error', code: 'SchemaInvalid', file: 'cm.yaml', line: 8, column: 29, field: 'metadata.labels["app.kubernetes.io/name"]' },
    ]);
    expect(model.diagnostics[0]!.message).toMatch(/^metadata\.name must be a DNS-1123 subdomain .*, got "Shop_Settings"$/);
    expect(model.diagnostics[1]!.message).toBe(
      'metadata.labels.tier must be a string, got 1 (YAML reads this unquoted value as a number; put it in quotes)',
    );
  });

  it('explains that YAML reads an unquoted y, yes or on as a boolean', () => {
    const model = load({ 'cm.yaml': configMap('settings', 'y') });
    expect(model.diagnostics.map(({ field, message }) => ({ field, message }))).toEqual([
      {
        field: 'metadata.namespace',
        message: expect.stringMatching(/^metadata\.namespace must be a DNS-1123 label .*, got true \(YAML reads this unquoted value as a boolean; put it in quotes\)$/),
      },
    ]);
  });

  it('warns about unknown fields, says which are allowed, and keeps the object', () => {
    const model = load({
      'cm.yaml': configMap('settings', 'shop', '  placment:\n    clusters: []\n  placement:\n    clusterSelector: {}\n    clusterNames: [eu-1]\n') + 'data:\n  key: value\n',
    });
    expect(model.objects.map((object) => object.name)).toEqual(['settings']);
    expect(model.diagnostics.map(({ severity, code, line, column, field, message }) => ({ severity, code, line, column, field, message }))).toEqual([
      {
        severity: 'warning',
        code: 'SchemaInvalid',
        line: 10,
        column: 3,
        field: 'spec.placment',
        message: 'unknown field spec.placment is ignored; allowed fields here are: template, placement, overrides, retainReplicas',
      },
      {
        severity: 'warning',
        code: 'SchemaInvalid',
        line: 14,
        column: 5,
        field: 'spec.placement.clusterNames',
        message: 'unknown field spec.placement.clusterNames is ignored; allowed fields here are: clusters, clusterSelector',
      },
      {
        severity: 'warning',
        code: 'SchemaInvalid',
        line: 15,
        column: 1,
        field: 'data',
        message: 'unknown field data is ignored; allowed fields here are: apiVersion, kind, metadata, spec, status',
      },
    ]);
  });

  it('does not look inside templates', () => {
    const model = load({ 'cm.yaml': configMap('settings', 'shop', '  placement: {}\n').replace('key: value', 'anything: [1, {x: y}]') });
    expect(model.diagnostics).toEqual([]);
  });
});

describe('loadModel: duplicates and order', () => {
  it('drops the second copy of an object with DuplicateObject naming where the first is', () => {
    const model = load({ 'a.yaml': configMap('settings'), 'b.yaml': `# copy\n${configMap('settings')}` });
    expect(model.objects.map((object) => object.origin.file)).toEqual(['a.yaml']);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'DuplicateObject', file: 'b.yaml', line: 5, column: 9, field: 'metadata.name' },
    ]);
    expect(model.diagnostics[0]!.message).toBe(
      'FederatedConfigMap/shop/settings is already declared at a.yaml:1; this copy is ignored',
    );
  });

  it('treats objects that differ only by apiVersion version as duplicates, and by namespace as distinct', () => {
    const model = load({
      'a.yaml': configMap('settings'),
      'b.yaml': configMap('settings').replace('v1beta1', 'v1alpha1'),
      'c.yaml': configMap('settings', 'other'),
    });
    expect(model.objects.map((object) => `${object.namespace}/${object.name}`)).toEqual(['other/settings', 'shop/settings']);
    expect(model.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.file])).toEqual([['DuplicateObject', 'b.yaml']]);
  });

  it('treats two KubeFedClusters of the same name as duplicates whatever their namespace', () => {
    const model = load({ 'a.yaml': cluster('eu-1'), 'b.yaml': cluster('eu-1').replace('kube-federation-system', 'elsewhere') });
    expect(model.clusters).toHaveLength(1);
    expect(model.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.file, diagnostic.line])).toEqual([['DuplicateObject', 'b.yaml', 4]]);
  });

  it('rejects a second FederatedTypeConfig for the same federated type', () => {
    const ftc = (name: string) => `apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata:
  name: ${name}
spec:
  targetType: {group: apps, version: v1, kind: Deployment, scope: Namespaced}
  federatedType: {group: types.kubefed.io, version: v1beta1, kind: FederatedDeployment, scope: Namespaced}
  propagation: Enabled
`;
    const model = load({ 'a.yaml': ftc('deployments.apps'), 'b.yaml': ftc('deploys.apps') });
    expect(model.typeConfigs.filter((type) => type.federatedKind === 'FederatedDeployment').map((type) => type.name)).toEqual([
      'deployments.apps',
    ]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'DuplicateObject', file: 'b.yaml', line: 7, column: 68, field: 'spec.federatedType.kind' },
    ]);
  });

  it('sorts clusters, objects, preferences and diagnostics whatever the file order', () => {
    const rsp = (name: string, namespace: string) =>
      `apiVersion: scheduling.kubefed.io/v1alpha1\nkind: ReplicaSchedulingPreference\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  targetKind: FederatedDeployment\n  totalReplicas: 1\n`;
    const model = load({
      'z.yaml': [cluster('b'), cluster('a'), configMap('b', 'xx'), rsp('b', 'aa'), 'apiVersion: v1\nkind: Secret\n'].join('---\n'),
      'a.yaml': [configMap('a', 'yy'), configMap('c', 'xx'), rsp('a', 'bb'), rsp('c', 'aa'), 'apiVersion: v1\nkind: Pod\n'].join('---\n'),
      'm.yaml': 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedClusterRole\nmetadata:\n  name: reader\nspec: {}\n',
    });
    expect(model.clusters.map((item) => item.name)).toEqual(['a', 'b']);
    expect(model.objects.map((item) => `${item.kind}/${item.namespace ?? ''}/${item.name}`)).toEqual([
      'FederatedClusterRole//reader',
      'FederatedConfigMap/xx/b',
      'FederatedConfigMap/xx/c',
      'FederatedConfigMap/yy/a',
    ]);
    expect(model.preferences.map((item) => `${item.namespace}/${item.name}`)).toEqual(['aa/b', 'aa/c', 'bb/a']);
    expect(model.diagnostics).toEqual([...model.diagnostics].sort(compareDiagnostics));
    expect(model.diagnostics.map((item) => item.file)).toEqual(['a.yaml', 'z.yaml']);
  });
});

describe('loadModel: scale', () => {
  it('loads a repository of 10,000 documents', () => {
    const model = loadModel({ revision: null, files: manyDocuments(10_000), diagnostics: [] });
    expect(model.diagnostics).toEqual([]);
    expect(model.objects).toHaveLength(10_000);
    expect(model.objects.filter((object) => object.kind === 'FederatedDeployment')).toHaveLength(5_000);
  }, 30_000);
});

describe('KubeFedCluster annotations', () => {
  it('keeps a cluster\'s annotations, so settings committed on it (gitfed.io/allow-mass-deletion) reach apply', () => {
    const model = loadModel({
      revision: null,
      diagnostics: [],
      files: new Map([
        [
          'c.yaml',
          'apiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\nmetadata:\n  name: member1\n  annotations:\n    gitfed.io/allow-mass-deletion: "true"\nspec:\n  apiEndpoint: https://m1:6443\n',
        ],
      ]),
    });
    expect(model.clusters[0]?.annotations).toEqual({ 'gitfed.io/allow-mass-deletion': 'true' });
  });
});

describe('loadModel: list documents', () => {
  it('reads the items of a kind: List as documents of their own, each at its own lines', () => {
    const model = load({
      'exported.yaml': `apiVersion: v1
kind: List
metadata: {}
items:
- apiVersion: core.kubefed.io/v1beta1
  kind: KubeFedCluster
  metadata:
    name: eu-1
  spec:
    apiEndpoint: https://eu-1.example.internal:6443
- apiVersion: types.kubefed.io/v1beta1
  kind: FederatedConfigMap
  metadata:
    name: settings
    namespace: shop
  spec:
    template:
      data: {key: value}
    placement:
      clusters: eu-1
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: plain
`,
    });
    expect(model.clusters.map((c) => c.name)).toEqual(['eu-1']);
    expect(model.clusters[0]!.origin).toMatchObject({ file: 'exported.yaml', line: 5, column: 3 });
    // The second item's schema error points at its own field, the third item is ignored at its own line.
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'SchemaInvalid', file: 'exported.yaml', line: 20, column: 17, field: 'spec.placement.clusters' },
      { severity: 'warning', code: 'DocumentIgnored', file: 'exported.yaml', line: 21, column: 3, field: undefined },
    ]);
    expect(model.diagnostics.find((d) => d.code === 'SchemaInvalid')?.resource).toBe('FederatedConfigMap/shop/settings');
  });

  it("gives the items of a typed list without apiVersion or kind the list's, as kubectl does", () => {
    const model = load({
      'clusters.yaml': cluster('eu-1'),
      'maps.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMapList
items:
- metadata:
    name: a
    namespace: shop
  spec:
    template:
      data: {key: value}
- metadata:
    name: b
    namespace: shop
  spec:
    template:
      data: {key: value}
`,
    });
    expect(model.diagnostics).toEqual([]);
    expect(model.objects.map((o) => `${o.apiVersion} ${o.kind} ${o.namespace}/${o.name}`)).toEqual([
      'types.kubefed.io/v1beta1 FederatedConfigMap shop/a',
      'types.kubefed.io/v1beta1 FederatedConfigMap shop/b',
    ]);
    expect(model.objects[1]!.origin).toMatchObject({ file: 'maps.yaml', line: 10, column: 3 });
  });

  it('reads an empty list as nothing, and a List without items as an ignored document', () => {
    const model = load({ 'empty.yaml': 'apiVersion: v1\nkind: List\nitems: []\n', 'odd.yaml': 'apiVersion: v1\nkind: List\n' });
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'warning', code: 'DocumentIgnored', file: 'odd.yaml', line: 1, column: 1, field: undefined },
    ]);
  });
});

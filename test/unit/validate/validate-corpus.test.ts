/**
 * A corpus of broken templates and overrides: each problem comes out as exactly one diagnostic with its code, the
 * file:line:column of the template field (or of the override that wrote the value), the field path and the
 * clusters that share it. Schemas: the shipped bundle of the lab's Kubernetes release and the repository's CRDs.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/model/diagnostic.ts';
import { loadModel } from '../../../src/model/load-model.ts';
import { heldObjects } from '../../../src/plan/held-objects.ts';
import { render } from '../../../src/render/render.ts';
import { defaultKubeVersion } from '../../../src/source/schema-bundles.ts';
import type { SchemaBundle } from '../../../src/validate/schema-bundle.ts';
import { schemasOf, validateRender, withValidation } from '../../../src/validate/validate-render.ts';

const bundle = JSON.parse(gunzipSync(readFileSync(new URL(`../../../schemas/kube-${defaultKubeVersion}.json.gz`, import.meta.url))).toString('utf8')) as SchemaBundle;
const schemas = schemasOf(bundle);

const clusters = ['member1', 'member2']
  .map((name) => `apiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\nmetadata:\n  name: ${name}\nspec:\n  apiEndpoint: https://${name}:6443\n`)
  .join('---\n');
const namespace = 'apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\nmetadata:\n  name: shop\n  namespace: shop\nspec:\n  placement:\n    clusterSelector: {}\n';

function validate(app: string, extra: Record<string, string> = {}) {
  const model = loadModel({ revision: null, files: new Map(Object.entries({ 'clusters.yaml': clusters, 'ns.yaml': namespace, 'app.yaml': app, ...extra })), diagnostics: [] });
  expect(model.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const rendered = render(model);
  return { model, rendered, found: validateRender(rendered, model, schemas) };
}

function summary(diagnostics: Diagnostic[]) {
  return diagnostics.map(({ severity, code, file, line, column, field, cluster, clusters: many, resource }) => ({
    severity, code, file, line, column, field, clusters: many ?? (cluster ? [cluster] : []), resource,
  }));
}

const deployment = (spec: string, overrides = '') => `apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
${spec}
  placement:
    clusterSelector: {}
${overrides}`;

const validSpec = `      replicas: 2
      selector:
        matchLabels:
          app: web
      template:
        metadata:
          labels:
            app: web
        spec:
          containers:
          - name: main
            image: nginx
            ports:
            - containerPort: 80
            resources:
              requests:
                cpu: 1
                memory: 128Mi`;

const override = (path: string, value: string, op = '') => `  overrides:
  - clusterName: member2
    clusterOverrides:
    - path: ${path}
${op ? `      op: ${op}\n` : ''}${value ? `      value: ${value}\n` : ''}`;

const both = ['member1', 'member2'];
const at = (line: number, column: number, field: string, clustersOf = both, code = 'ObjectInvalid', severity = 'error') => ({
  severity, code, file: 'app.yaml', line, column, field, clusters: clustersOf, resource: 'Deployment/shop/web',
});

describe('validating member objects: templates', () => {
  it('a valid Deployment (numbers for quantities, null fields) has no problem', () => {
    const { found } = validate(deployment(validSpec.replace('      replicas: 2', '      replicas: 2\n      paused: null')));
    expect(found).toEqual([]);
  });

  it('a wrong type: replicas "three" at the template line, once for both clusters', () => {
    const { found } = validate(deployment(validSpec.replace('replicas: 2', 'replicas: three')));
    expect(summary(found)).toEqual([at(9, 17, 'spec.template.spec.replicas')]);
    expect(found[0]?.message).toContain('spec.replicas: must be integer, not string "three"');
  });

  it('an unknown field, as strict field validation refuses it (a misspelt imagePullPolicy, a metadata field)', () => {
    const { found } = validate(deployment(validSpec.replace('            image: nginx', '            image: nginx\n            imagePullPolcy: Always').replace('        metadata:\n', '        metadata:\n          label: {}\n')));
    expect(summary(found)).toEqual([
      at(15, 11, 'spec.template.spec.template.metadata.label'),
      at(22, 29, 'spec.template.spec.template.spec.containers[0].imagePullPolcy'),
    ]);
    expect(found[1]?.message).toContain('spec.template.spec.containers[0].imagePullPolcy: unknown field');
  });

  it('a missing required field points at its parent', () => {
    const { found } = validate(deployment(validSpec.replace('          - name: main\n            image', '          - image')));
    expect(summary(found)).toEqual([at(19, 13, 'spec.template.spec.template.spec.containers[0].name')]);
    expect(found[0]?.message).toContain('Required value');
  });

  it('a value outside an enum names the allowed ones', () => {
    const { found } = validate(deployment(validSpec.replace('            image: nginx', '            image: nginx\n            imagePullPolicy: Sometimes')));
    expect(summary(found)).toEqual([at(21, 30, 'spec.template.spec.template.spec.containers[0].imagePullPolicy')]);
    expect(found[0]?.message).toMatch(/Unsupported value "Sometimes": supported values: "Always", "IfNotPresent", "Never"/);
  });

  it('a bad quantity and an int32 out of range', () => {
    const { found } = validate(deployment(validSpec.replace('memory: 128Mi', 'memory: lots').replace('containerPort: 80', 'containerPort: 3000000000')));
    expect(summary(found).map((d) => d.field)).toEqual([
      'spec.template.spec.template.spec.containers[0].ports[0].containerPort',
      'spec.template.spec.template.spec.containers[0].resources.requests.memory',
    ]);
  });

  it('a removed API version is an error naming the release and the replacement, at the template apiVersion', () => {
    const ingress = `apiVersion: types.kubefed.io/v1beta1\nkind: FederatedIngress\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    apiVersion: extensions/v1beta1\n    spec:\n      rules: []\n  placement:\n    clusterSelector: {}\n`;
    const { found } = validate(ingress);
    expect(summary(found)).toEqual([{ ...at(8, 17, 'spec.template.apiVersion'), resource: 'Ingress/shop/web' }]);
    expect(found[0]?.message).toContain('extensions/v1beta1 Ingress was removed in Kubernetes 1.22');
    expect(found[0]?.message).toContain('use networking.k8s.io/v1 Ingress');
  });

  it('a deprecated version still served is an ObjectDeprecated warning', () => {
    const endpoints = `apiVersion: types.kubefed.io/v1beta1\nkind: FederatedEndpoints\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    apiVersion: v1\n    subsets: []\n  placement:\n    clusterSelector: {}\n`;
    const { found } = validate(endpoints);
    expect(summary(found)).toEqual([{ ...at(8, 17, 'spec.template.apiVersion', both, 'ObjectDeprecated', 'warning'), resource: 'Endpoints/shop/web' }]);
    expect(found[0]?.message).toContain('discovery.k8s.io/v1 EndpointSlice');
  });
});

describe('validating member objects: overrides', () => {
  it('an override writing a wrong type points at its value, for the cluster it applies to only', () => {
    const { found } = validate(deployment(validSpec, override('/spec/replicas', 'three')));
    expect(summary(found)).toEqual([at(33, 14, 'spec.overrides[0].clusterOverrides[0].value', ['member2'])]);
  });

  it('an override adding an unknown field points inside its value', () => {
    const { found } = validate(deployment(validSpec, override('/spec/template/spec/containers/0', '\n        name: main\n        image: nginx\n        imagePullPolcy: Always')));
    expect(summary(found)).toEqual([at(36, 25, 'spec.overrides[0].clusterOverrides[0].value.imagePullPolcy', ['member2'])]);
  });

  it('an override removing a required field points at its path', () => {
    const { found } = validate(deployment(validSpec, override('/spec/selector', '', 'remove')));
    expect(summary(found)).toEqual([at(32, 13, 'spec.overrides[0].clusterOverrides[0].path', ['member2'])]);
    expect(found[0]?.message).toContain('spec.selector: Required value');
  });

  it('an override writing a value outside an enum', () => {
    const { found } = validate(deployment(validSpec, override('/spec/strategy', '\n        type: Sometimes')));
    expect(summary(found)).toEqual([at(34, 15, 'spec.overrides[0].clusterOverrides[0].value.type', ['member2'])]);
  });

  it('an object invalid in one cluster is held there only (plan/held-objects.ts), the other cluster proceeds', () => {
    const { model, rendered } = validate(deployment(validSpec, override('/spec/replicas', 'three')));
    const held = heldObjects(withValidation(rendered, model, schemas));
    const object = { id: 'Deployment/shop/web', groupKind: 'apps/Deployment' };
    expect(held.reason('member2', object)).toBe('ObjectInvalid');
    expect(held.reason('member1', object)).toBeUndefined();
  });
});

describe('validating member objects: custom resources', () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string, enum: [red, blue]}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;
  const widget = (spec: string, kind = 'FederatedWidget') => `apiVersion: types.kubefed.io/v1beta1
kind: ${kind}
metadata:
  name: w
  namespace: shop
spec:
  template:
    apiVersion: example.com/v1
    spec:
${spec}
  placement:
    clusterSelector: {}
`;

  it('a custom resource violating its CRD in the repository, at the template line', () => {
    const { found } = validate(widget('      size: big\n      color: green\n      extra: {anything: [1, 2]}\n      colour: red'), { 'crd.yaml': crd });
    expect(summary(found).map(({ line, field, clusters: names }) => ({ line, field, names }))).toEqual([
      { line: 10, field: 'spec.template.spec.size', names: both },
      { line: 11, field: 'spec.template.spec.color', names: both },
      { line: 13, field: 'spec.template.spec.colour', names: both },
    ]);
    expect(found.every((d) => d.code === 'ObjectInvalid' && d.resource === 'Widget/shop/w')).toBe(true);
  });

  it('the CRD a FederatedCustomResourceDefinition carries supplies the schema too', () => {
    const federatedCrd = `apiVersion: types.kubefed.io/v1beta1\nkind: FederatedCustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  template:\n${crd.split('\n').slice(4).map((line) => (line ? `    ${line}` : line)).join('\n')}  placement:\n    clusterSelector: {}\n`;
    const typeConfig = `apiVersion: core.kubefed.io/v1beta1\nkind: FederatedTypeConfig\nmetadata:\n  name: customresourcedefinitions.apiextensions.k8s.io\nspec:\n  propagation: Enabled\n  targetType: {group: apiextensions.k8s.io, version: v1, kind: CustomResourceDefinition, pluralName: customresourcedefinitions, scope: Cluster}\n  federatedType: {group: types.kubefed.io, version: v1beta1, kind: FederatedCustomResourceDefinition, pluralName: federatedcustomresourcedefinitions, scope: Cluster}\n`;
    const { found } = validate(widget('      size: 0'), { 'crd.yaml': federatedCrd, 'ftc.yaml': typeConfig });
    expect(summary(found).map(({ code, field, resource }) => ({ code, field, resource }))).toEqual([
      { code: 'ObjectInvalid', field: 'spec.template.spec.size', resource: 'Widget/shop/w' },
    ]);
  });

  it('a kind without any schema is one SchemaUnknown warning, however many objects it has', () => {
    const gadgets = ['g1', 'g2'].map((name) => widget('      size: 1', 'FederatedGadget').replace('name: w', `name: ${name}`).replace('example.com/v1', 'gadgets.example.com/v1')).join('---\n');
    const { found } = validate(gadgets);
    expect(summary(found).map(({ severity, code }) => ({ severity, code }))).toEqual([{ severity: 'warning', code: 'SchemaUnknown' }]);
  });
});

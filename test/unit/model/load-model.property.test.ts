import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compareDiagnostics, compareText } from '../../../src/model/diagnostic.ts';
import { loadModel } from '../../../src/model/load-model.ts';
import type { Model } from '../../../src/model/types.ts';

/** Keys and values that reach deep into the schemas: real field names, wrong types, odd strings. */
const fieldName = fc.constantFrom(
  'apiVersion', 'kind', 'metadata', 'name', 'namespace', 'labels', 'annotations', 'spec', 'status', 'template',
  'placement', 'clusters', 'clusterSelector', 'matchLabels', 'matchExpressions', 'key', 'operator', 'values',
  'overrides', 'clusterName', 'clusterOverrides', 'op', 'path', 'value', 'retainReplicas', 'targetKind',
  'totalReplicas', 'rebalance', 'intersectWithClusterSelector', 'minReplicas', 'maxReplicas', 'weight',
  'targetType', 'federatedType', 'propagation', 'scope', 'group', 'version', 'pluralName', 'apiEndpoint',
  'secretRef', '*', '__proto__', 'constructor', 'toString', '',
);
const leaf = fc.oneof(
  fc.constantFrom('In', 'Exists', 'Bogus', 'Namespaced', 'Cluster', 'Enabled', 'Disabled', 'FederatedDeployment', 'shop', 'eu-1', '/spec/replicas', 'add', 'merge', 'Shop_Name', 'v1', 'apps/v1', 'a/b/c'),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -5, max: 5 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fieldName, tie('node'), { maxKeys: 4 }),
  ),
})).node;

const kubeDocument = fc.record(
  {
    apiVersion: fc.constantFrom(
      'core.kubefed.io/v1beta1', 'core.kubefed.io/v1alpha1', 'types.kubefed.io/v1beta1', 'types.kubefed.io/v1alpha1',
      'scheduling.kubefed.io/v1alpha1', 'v1', 'apps/v1', 'fed.example.com/v1', '/', '',
    ),
    kind: fc.constantFrom(
      'KubeFedCluster', 'FederatedTypeConfig', 'ReplicaSchedulingPreference', 'FederatedNamespace', 'FederatedDeployment',
      'FederatedConfigMap', 'FederatedClusterRole', 'FederatedWidget', 'Federated', 'ConfigMap', 'List',
    ),
    metadata: fc.record(
      { name: fc.oneof(fc.constantFrom('web', 'shop', 'a', 'eu-1'), leaf), namespace: fc.oneof(fc.constantFrom('shop', 'default'), leaf), labels: value },
      { requiredKeys: [] },
    ),
    spec: value,
  },
  { requiredKeys: ['kind'] },
);

/** A document as YAML, sometimes broken by deleting a line or splicing in a character. */
const documentText = fc
  .tuple(kubeDocument, fc.option(fc.tuple(fc.nat(), fc.constantFrom('', ':', '- ', '  ', '&a', '*a', '"', '\t', '{'))))
  .map(([document, damage]) => {
    const text = stringify(document);
    if (!damage) return text;
    const lines = text.split('\n');
    const [at, insert] = damage;
    const index = at % lines.length;
    lines[index] = insert === '' ? '' : `${insert}${lines[index]}`;
    return lines.join('\n');
  });

const fileText = fc.oneof(
  { arbitrary: fc.array(documentText, { minLength: 1, maxLength: 4 }).map((texts) => texts.join('---\n')), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
  { arbitrary: fc.string({ unit: fc.constantFrom('a', ':', ' ', '\n', '-', '#', '&', '*', '[', ']', '{', '}', '"', "'", '|', '>', '!', '?', '1', '\t', '%', '@'), maxLength: 120 }), weight: 1 },
);

const snapshotFiles = fc.dictionary(fc.constantFrom('a.yaml', 'b/c.yaml', 'b.yml', 'z.yaml', 'b-c.yaml'), fileText, { minKeys: 1, maxKeys: 4 });

function isSorted<T>(items: readonly T[], compare: (a: T, b: T) => number): boolean {
  return items.every((item, index) => index === 0 || compare(items[index - 1]!, item) <= 0);
}

/** The model without origins (functions and private state), for comparing two loads. */
function plain(model: Model): unknown {
  return JSON.parse(JSON.stringify(model));
}

describe('loadModel properties', () => {
  it('never throws and always returns sorted diagnostics and lists, whatever the file texts', () => {
    fc.assert(
      fc.property(snapshotFiles, (files) => {
        const model = loadModel({ revision: null, files: new Map(Object.entries(files)), diagnostics: [] });
        expect(isSorted(model.diagnostics, compareDiagnostics)).toBe(true);
        expect(isSorted(model.clusters, (a, b) => compareText(a.name, b.name))).toBe(true);
        expect(isSorted(model.typeConfigs, (a, b) => compareText(a.name, b.name))).toBe(true);
        expect(isSorted(model.objects, (a, b) => compareText(a.kind, b.kind) || compareText(a.namespace, b.namespace) || compareText(a.name, b.name))).toBe(true);
        expect(isSorted(model.preferences, (a, b) => compareText(a.namespace, b.namespace) || compareText(a.name, b.name))).toBe(true);
        for (const diagnostic of model.diagnostics) {
          if (diagnostic.file !== undefined) expect(Object.keys(files)).toContain(diagnostic.file);
          if (diagnostic.line !== undefined) expect(diagnostic.line).toBeGreaterThanOrEqual(1);
          if (diagnostic.column !== undefined) expect(diagnostic.column).toBeGreaterThanOrEqual(1);
        }
        for (const object of model.objects) expect(object.origin.locate(['spec', 'placement'])).toMatchObject({ file: object.origin.file });
      }),
      { numRuns: 400 },
    );
  }, 30_000);

  it('gives the same model for the same snapshot', () => {
    fc.assert(
      fc.property(snapshotFiles, (files) => {
        const snapshot = { revision: 'r1', files: new Map(Object.entries(files)), diagnostics: [] };
        expect(plain(loadModel(snapshot))).toEqual(plain(loadModel(snapshot)));
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it('does not let a __proto__ key change what objects inherit', () => {
    const model = loadModel({
      revision: null,
      files: new Map([
        ['a.yaml', 'apiVersion: v1\nkind: ConfigMap\n__proto__:\n  polluted: true\nmetadata: {name: x, __proto__: {polluted: true}}\n'],
        ['b.yaml', '{"__proto__": {"polluted": true}, "kind": "X", "apiVersion": "v1"}\n'],
      ]),
      diagnostics: [],
    });
    expect(model.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['DocumentIgnored', 'DocumentIgnored']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

/**
 * The fixture repositories under fixtures/: a small valid one, and one invalid repository per problem, each
 * checked for the exact diagnostic a user would see (code, file, line, column, field).
 */
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/model/diagnostic.ts';
import { loadModel } from '../../../src/model/load-model.ts';
import type { Model } from '../../../src/model/types.ts';
import { readDirSnapshot } from '../../../src/source/read-dir-snapshot.ts';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const temporary: string[] = [];

afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function loadDir(dir: string): Promise<Model> {
  return loadModel(await readDirSnapshot(dir));
}

async function loadFixture(name: string): Promise<Model> {
  return loadDir(path.join(fixtures, name));
}

async function scratch(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gitfed-fixture-'));
  temporary.push(dir);
  return dir;
}

function summary(diagnostics: Diagnostic[]) {
  return diagnostics.map(({ severity, code, file, line, column, field }) => ({ severity, code, file, line, column, field }));
}

describe('fixtures/minimal', () => {
  it('loads two clusters, a FederatedConfigMap and a FederatedNamespace without diagnostics', async () => {
    const model = await loadFixture('minimal');
    expect(model.diagnostics).toEqual([]);
    expect(model.clusters.map(({ name, labels, apiEndpoint, secretName }) => ({ name, labels, apiEndpoint, secretName }))).toEqual([
      { name: 'cluster-eu', labels: { region: 'eu' }, apiEndpoint: 'https://cluster-eu.example.internal:6443', secretName: 'cluster-eu-token' },
      { name: 'cluster-us', labels: { region: 'us' }, apiEndpoint: 'https://cluster-us.example.internal:6443', secretName: undefined },
    ]);
    expect(model.objects.map((object) => [object.kind, object.namespace, object.name, object.type.name, object.origin.file])).toEqual([
      ['FederatedConfigMap', 'shop', 'shop-settings', 'configmaps', 'app/configmap.yaml'],
      ['FederatedNamespace', 'shop', 'shop', 'namespaces', 'app/namespace.yaml'],
    ]);
    expect(model.clusters[1]!.origin).toMatchObject({ file: 'clusters/clusters.yaml', line: 14, column: 1 });
  });
});

describe('fixtures/invalid', () => {
  it('yaml-syntax: reports the misindented line and column', async () => {
    const model = await loadFixture('invalid/yaml-syntax');
    expect(model.objects).toEqual([]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'YamlSyntax', file: 'deployment.yaml', line: 15, column: 12, field: undefined },
    ]);
  });

  it('schema-error: points at the bad operator, the negative totalReplicas and the missing clusterName', async () => {
    const model = await loadFixture('invalid/schema-error');
    expect(model.objects).toEqual([]);
    expect(model.preferences).toEqual([]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'SchemaInvalid', file: 'overrides.yaml', line: 14, column: 5, field: 'spec.overrides[0].clusterName' },
      {
        severity: 'error',
        code: 'SchemaInvalid',
        file: 'placement.yaml',
        line: 14,
        column: 19,
        field: 'spec.placement.clusterSelector.matchExpressions[0].operator',
      },
      { severity: 'error', code: 'SchemaInvalid', file: 'rsp.yaml', line: 8, column: 18, field: 'spec.totalReplicas' },
    ]);
    expect(model.diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
      'spec.overrides[0].clusterName is required: a string',
      'spec.placement.clusterSelector.matchExpressions[0].operator must be one of In, NotIn, Exists, DoesNotExist, got "Equals"',
      'spec.totalReplicas must be an integer ≥ 0, got -3',
    ]);
    expect(model.diagnostics.map((diagnostic) => diagnostic.resource)).toEqual([
      'FederatedService/shop/web',
      'FederatedConfigMap/shop/shop-settings',
      'ReplicaSchedulingPreference/shop/web',
    ]);
  });

  it('duplicate-object: keeps the first copy and names it in the error on the second', async () => {
    const model = await loadFixture('invalid/duplicate-object');
    expect(model.objects.map((object) => object.origin.file)).toEqual(['configmap.yaml']);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'DuplicateObject', file: 'settings-old.yaml', line: 5, column: 9, field: 'metadata.name' },
    ]);
    expect(model.diagnostics[0]!.message).toContain('configmap.yaml:1');
  });

  it('unknown-target-type: points at the kind of the federated object', async () => {
    const model = await loadFixture('invalid/unknown-target-type');
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'UnknownTargetType', file: 'widget.yaml', line: 3, column: 7, field: 'kind' },
    ]);
  });

  it('symlink-outside: reports the link and where it points, reads nothing through it', async () => {
    const outside = await scratch();
    await writeFile(path.join(outside, 'shared.yaml'), 'apiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\nmetadata:\n  name: intruder\n');
    const repo = await scratch();
    await cp(path.join(fixtures, 'invalid/symlink-outside'), repo, { recursive: true });
    await symlink(path.join(outside, 'shared.yaml'), path.join(repo, 'shared.yaml'));
    const model = await loadDir(repo);
    expect(model.clusters).toEqual([]);
    expect(model.objects.map((object) => object.name)).toEqual(['shop-settings']);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'SymlinkOutsideRepo', file: 'shared.yaml', line: undefined, column: undefined, field: undefined },
    ]);
    expect(model.diagnostics[0]!.message).toContain(path.join(outside, 'shared.yaml'));
  });

  it('file-too-large: reports a file over the default 1 MiB limit with its size', async () => {
    const repo = await scratch();
    await cp(path.join(fixtures, 'minimal'), repo, { recursive: true });
    const big = `apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata:
  name: huge
  namespace: shop
spec:
  template:
    data:
${Array.from({ length: 12_000 }, (_, i) => `      key${i}: "${'x'.repeat(80)}"`).join('\n')}
`;
    await writeFile(path.join(repo, 'app/huge.yaml'), big);
    const model = await loadDir(repo);
    expect(model.objects.map((object) => object.name)).toEqual(['shop-settings', 'shop']);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'FileTooLarge', file: 'app/huge.yaml', line: undefined, column: undefined, field: undefined },
    ]);
    expect(model.diagnostics[0]!.message).toMatch(/^file is 1\.\d MiB \(\d+ bytes\), over the 1 MiB \(1048576 bytes\) limit; it is not read$/);
  });

  it('alias-bomb: stops at the first alias with YamlAliasLimit', async () => {
    const model = await loadFixture('invalid/alias-bomb');
    expect(model.objects).toEqual([]);
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'error', code: 'YamlAliasLimit', file: 'configmap.yaml', line: 11, column: 14, field: undefined },
    ]);
  });

  it('ignored-document: a plain ConfigMap gives only a DocumentIgnored warning', async () => {
    const model = await loadFixture('invalid/ignored-document');
    expect(summary(model.diagnostics)).toEqual([
      { severity: 'warning', code: 'DocumentIgnored', file: 'configmap.yaml', line: 2, column: 1, field: undefined },
    ]);
    expect(model.diagnostics[0]!.message).toContain('v1 ConfigMap "shop-settings"');
  });
});

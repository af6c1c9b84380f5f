import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { DEFAULT_TYPE_CONFIGS } from '../../../src/model/default-type-configs.ts';
import type { JsonObject } from '../../../src/model/types.ts';
import { federateObject, formatFederatedYaml, typeConfigForObject } from '../../../src/kubefedctl/federate-object.ts';
import { typeConfigDocument } from '../../../src/kubefedctl/target-types.ts';
import { clusterYaml, renderFiles } from '../../support/repo.ts';
import { runCli } from '../../support/run-cli.ts';

const fixtures = path.resolve(import.meta.dirname, '../../../fixtures/federate');
const cases = readdirSync(fixtures)
  .filter((file) => file.endsWith('.input.yaml'))
  .map((file) => file.slice(0, -'.input.yaml'.length))
  .sort();
const input = (name: string) => path.join(fixtures, `${name}.input.yaml`);

async function federateFixture(name: string) {
  return runCli('federate', '-f', path.relative(process.cwd(), input(name)));
}

async function inputDocuments(name: string): Promise<JsonObject[]> {
  return parseAllDocuments(await readFile(input(name), 'utf8'))
    .map((doc) => doc.toJS() as JsonObject | null)
    .filter((value): value is JsonObject => value !== null);
}

function outputDocuments(stdout: string): JsonObject[] {
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as JsonObject).filter(Boolean);
}

describe('gitfed federate -f (golden outputs)', () => {
  it('has a fixture for every default federated type', () => {
    const kinds = DEFAULT_TYPE_CONFIGS.map((type) => type.target.kind.toLowerCase());
    for (const kind of kinds) expect(cases).toContain(kind);
  });

  it.each(cases)('%s: prints exactly the expected federated YAML', async (name) => {
    const { code, stdout } = await federateFixture(name);
    expect(code).toBe(0);
    await expect(stdout).toMatchFileSnapshot(path.join(fixtures, `${name}.expected.yaml`));
  });

  it.each(cases)('%s: the output is a valid gitfed repository that renders the template back', async (name) => {
    const { stdout } = await federateFixture(name);
    const documents = outputDocuments(stdout);
    // Namespaced objects need a FederatedNamespace to be placed, and types that are not defaults a
    // FederatedTypeConfig (what the warning tells the user to add with gitfed enable).
    const namespaces = new Set(documents.map((doc) => (doc.metadata as JsonObject).namespace).filter((ns): ns is string => typeof ns === 'string'));
    const extra = [...namespaces]
      .filter((ns) => !documents.some((doc) => doc.kind === 'FederatedNamespace' && (doc.metadata as JsonObject).name === ns))
      .map((ns) => `apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\nmetadata: {name: ${ns}, namespace: ${ns}}\nspec: {placement: {clusterSelector: {}}}\n`);
    for (const original of await inputDocuments(name)) {
      for (const item of original.kind === 'List' ? (original.items as JsonObject[]) : [original]) {
        const type = typeConfigForObject(item);
        if (typeof type !== 'string' && !DEFAULT_TYPE_CONFIGS.includes(type)) extra.push(stringify(typeConfigDocument(type)));
      }
    }
    const result = renderFiles({ 'clusters.yaml': clusterYaml('c1'), 'out.yaml': stdout, 'extra.yaml': extra.join('---\n') });
    const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.resource}`);
    expect(errors).toEqual(name === 'kubefed-deployment-without-namespace' ? ['SchemaInvalid FederatedDeployment/nginx'] : []);
    const rendered = result.clusters.c1 ?? [];
    for (const doc of documents) {
      if (errors.length > 0) break;
      const kind = (doc.kind as string).slice('Federated'.length);
      const objectName = (doc.metadata as JsonObject).name;
      const object = rendered.find((candidate) => candidate.kind === kind && candidate.metadata.name === objectName);
      expect(object, `${kind}/${String(objectName)} rendered`).toBeDefined();
      const template = (doc.spec as JsonObject).template as JsonObject;
      for (const [field, value] of Object.entries(template)) if (field !== 'metadata') expect(object?.[field]).toEqual(value);
    }
  });

  it('hints at gitfed enable for types that are not defaults', async () => {
    const { stderr } = await federateFixture('multi-document');
    expect(stderr.split('\n').filter((line) => line.includes('UnknownTargetType')).map((line) => line.slice(line.indexOf('warning')))).toEqual([
      'warning UnknownTargetType StatefulSet/shop/db: FederatedStatefulSet is not a default type: add its FederatedTypeConfig to the repository, e.g. with gitfed enable statefulsets.apps',
      'warning UnknownTargetType Widget/shop/w1: FederatedWidget is not a default type: add its FederatedTypeConfig to the repository, e.g. with gitfed enable --target-group example.com --target-version v1 --target-kind Widget --scope Namespaced',
      'warning UnknownTargetType Gateway/edge: FederatedGateway is not a default type: add its FederatedTypeConfig to the repository, e.g. with gitfed enable --target-group example.com --target-version v1alpha1 --target-kind Gateway --scope Cluster',
    ]);
  });
});

describe('gitfed federate: what KubeFed did', () => {
  it('keeps the spec of a Deployment without a namespace and warns that the federated type is namespaced (KubeFed TestNonNameSpacedDeployment)', async () => {
    const { stdout, stderr } = await federateFixture('kubefed-deployment-without-namespace');
    const [federated] = outputDocuments(stdout);
    const [original] = await inputDocuments('kubefed-deployment-without-namespace');
    expect(federated?.kind).toBe('FederatedDeployment');
    expect(federated?.apiVersion).toBe('types.kubefed.io/v1beta1');
    expect((federated?.metadata as JsonObject).namespace).toBeUndefined();
    expect(((federated?.spec as JsonObject).template as JsonObject).spec).toEqual(original?.spec);
    expect(stderr).toContain('warning SchemaInvalid Deployment/nginx: Deployment/nginx has no metadata.namespace but FederatedDeployment is namespaced');
  });

  it('keeps the namespace and the spec of a namespaced Deployment (KubeFed TestNameSpacedDeployment)', async () => {
    const { stdout, stderr } = await federateFixture('kubefed-deployment-with-namespace');
    const [federated] = outputDocuments(stdout);
    const [original] = await inputDocuments('kubefed-deployment-with-namespace');
    expect((federated?.metadata as JsonObject).namespace).toBe('testns');
    expect(((federated?.spec as JsonObject).template as JsonObject).spec).toEqual(original?.spec);
    expect(stderr).toBe('');
  });

  it('drops annotations with a warning on stderr, naming the keys', async () => {
    const { stdout, stderr } = await federateFixture('configmap');
    expect(stderr).toBe(
      `${path.relative(process.cwd(), input('configmap'))}:1:1 warning AnnotationsNotSupported ConfigMap/shop/settings: annotations of ConfigMap/shop/settings are not copied into the template of the federated resource (as in KubeFed): kubectl.kubernetes.io/last-applied-configuration\n`,
    );
    expect(stdout).not.toContain('annotations');
  });

  it('keeps only labels of the metadata, and drops status', async () => {
    const [federated] = outputDocuments((await federateFixture('deployment')).stdout);
    const template = (federated?.spec as JsonObject).template as JsonObject;
    expect(template.metadata).toEqual({ labels: { app: 'web' } });
    expect(template.status).toBeUndefined();
    expect(template.apiVersion).toBeUndefined();
    expect(template.kind).toBeUndefined();
  });

  it('drops clusterIP, clusterIPs and every nodePort of a Service, nothing else', async () => {
    const [federated] = outputDocuments((await federateFixture('service')).stdout);
    const spec = ((federated?.spec as JsonObject).template as JsonObject).spec as JsonObject;
    expect(spec.clusterIP).toBeUndefined();
    expect(spec.clusterIPs).toBeUndefined();
    expect(spec.ports).toEqual([
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ]);
    expect(spec.ipFamilies).toEqual(['IPv4']);
    expect(spec.type).toBe('NodePort');
  });

  it('drops the secrets of a ServiceAccount and keeps its imagePullSecrets', async () => {
    const [federated] = outputDocuments((await federateFixture('serviceaccount')).stdout);
    const template = (federated?.spec as JsonObject).template as JsonObject;
    expect(template.secrets).toBeUndefined();
    expect(template.imagePullSecrets).toEqual([{ name: 'registry' }]);
  });

  it('puts a FederatedNamespace in the namespace it federates and drops spec.finalizers', async () => {
    const [federated] = outputDocuments((await federateFixture('namespace')).stdout);
    expect(federated?.metadata).toEqual({ name: 'shop', namespace: 'shop' });
    expect(((federated?.spec as JsonObject).template as JsonObject).spec).toEqual({});
  });

  it('gives a cluster-scoped type no namespace', async () => {
    const [federated] = outputDocuments((await federateFixture('clusterrole')).stdout);
    expect(federated?.kind).toBe('FederatedClusterRole');
    expect(federated?.metadata).toEqual({ name: 'config-reader' });
  });

  it('places every object in every cluster: clusterSelector {matchLabels: {}}', async () => {
    for (const name of cases) {
      for (const federated of outputDocuments((await federateFixture(name)).stdout)) {
        expect((federated.spec as JsonObject).placement).toEqual({ clusterSelector: { matchLabels: {} } });
      }
    }
  });

  it('expands a v1 List and federates every document in input order', async () => {
    const documents = outputDocuments((await federateFixture('multi-document')).stdout);
    expect(documents.map((doc) => `${String(doc.apiVersion)} ${String(doc.kind)} ${String((doc.metadata as JsonObject).name)}`)).toEqual([
      'types.kubefed.io/v1beta1 FederatedConfigMap a',
      'types.kubefed.io/v1beta1 FederatedConfigMap b',
      'types.kubefed.io/v1beta1 FederatedStatefulSet db',
      'types.kubefed.io/v1beta1 FederatedWidget w1',
      'types.kubefed.io/v1beta1 FederatedGateway edge',
    ]);
    expect((documents[4]?.metadata as JsonObject).namespace).toBeUndefined();
  });

  it('quotes YAML 1.1 words so that strings stay strings', () => {
    const yaml = formatFederatedYaml([{ apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, data: { a: 'yes', b: 'on', c: '0644', d: '1e3', e: '' } }]);
    expect(parse(yaml, { version: '1.1' })).toEqual({ apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, data: { a: 'yes', b: 'on', c: '0644', d: '1e3', e: '' } });
  });

  it('uses the repository FederatedTypeConfig of a target when given one', () => {
    const custom = { ...DEFAULT_TYPE_CONFIGS.find((type) => type.name === 'deployments.apps')!, federatedGroup: 'federation.example.com', federatedVersion: 'v1' };
    const type = typeConfigForObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }, [custom]);
    expect(typeof type === 'string' ? type : type.federatedGroup).toBe('federation.example.com');
    const result = federateObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'n' } }, custom);
    expect(result.federated?.apiVersion).toBe('federation.example.com/v1');
  });

  it('fails (exit 1) on a document that is not a Kubernetes object, and still prints the others', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfed-federate-'));
    try {
      const file = path.join(dir, 'mixed.yaml');
      await writeFile(file, 'just: a map\n---\n- a list\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: x}\n');
      const { code, stdout, stderr } = await runCli('federate', '-f', file);
      expect(code).toBe(1);
      expect(outputDocuments(stdout).map((doc) => doc.kind)).toEqual(['FederatedConfigMap']);
      expect(stderr).toBe(
        `${file}:1:1 error SchemaInvalid the document has no apiVersion or kind, so it is not a Kubernetes object\n` +
          `${file}:3:1 error SchemaInvalid the document is not a Kubernetes object (a map with apiVersion and kind)\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses KIND NAME together with --filename (exit 2)', async () => {
    const { code, stderr } = await runCli('federate', 'deploy', 'web', '-f', input('deployment'));
    expect(code).toBe(2);
    expect(stderr).toContain('--filename takes no KIND NAME');
  });
});

/**
 * The API server as the oracle: a generated corpus of federated objects (valid and broken, across kinds,
 * custom resources of a CRD in the repository included) is loaded, rendered and validated offline by gitfed;
 * every rendered member object is then sent to a lab member as a server-side dry-run with strict field
 * validation (`dryRun=All&fieldValidation=Strict`). gitfed's verdict (ObjectInvalid or not) must equal the
 * server's (refused or accepted) on every object.
 *
 * Disagreement classes accepted, and so left out of the corpus (docs/manifests.md lists them too):
 * - semantic rules the API server runs beyond its schema (name and label formats, a selector that does not match
 *   the template's labels, a container without image, port ranges, a Deployment's restartPolicy): the OpenAPI
 *   schema does not carry them, so gitfed accepts what the server then refuses;
 * - CEL rules of CRDs (`x-kubernetes-validations`) and formats gitfed does not check (only date, date-time, byte,
 *   int32, int64, float, double, uuid, ipv4, ipv6, email, hostname and quantity are checked);
 * - a null inside a list (the server decodes it as the zero value, gitfed refuses the type).
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeRequest, labPaths, pkiFiles, readAdminCredentials } from '../../src/lab/index.ts';
import { loadModel } from '../../src/model/load-model.ts';
import type { JsonObject, KubeObject } from '../../src/model/types.ts';
import { render } from '../../src/render/render.ts';
import { readSchemaBundle, defaultKubeVersion } from '../../src/source/schema-bundles.ts';
import { schemasOf, validateRender } from '../../src/validate/validate-render.ts';
import { useLab } from './lab-context.ts';

const group = 'oracle.gitfed.io';
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object', required: ['size'],
            properties: {
              size: { type: 'integer', minimum: 1, maximum: 10 },
              color: { type: 'string', enum: ['red', 'blue'] },
              port: { 'x-kubernetes-int-or-string': true },
              tags: { type: 'array', items: { type: 'string' } },
              extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              limits: { type: 'object', additionalProperties: { type: 'integer' } },
            },
          },
        },
      } },
    }],
  },
};

/** [kind, API path segment, plural, base template (apiVersion set), variants: patch → template]. */
type Variant = (base: JsonObject) => JsonObject;
interface KindCase { kind: string; apiVersion: string; plural: string; base: JsonObject; variants: Variant[] }

const set = (path: string, value: unknown): Variant => (base) => {
  const copy = structuredClone(base) as Record<string, unknown>;
  const parts = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) at = (at[part] ??= /^\d+$/.test(parts[parts.indexOf(part) + 1] ?? '') ? [] : {}) as Record<string, unknown>;
  const last = parts.at(-1) as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy as JsonObject;
};

const podSpec = { containers: [{ name: 'main', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }] };
const podVariants = (prefix: string): Variant[] => [
  set(`${prefix}.containers.0.image`, 'nginx:1.27'),
  set(`${prefix}.containers.0.imagePullPolicy`, 'IfNotPresent'),
  set(`${prefix}.containers.0.imagePullPolicy`, 'Sometimes'),
  set(`${prefix}.containers.0.imagePullPolcy`, 'Always'),
  set(`${prefix}.containers.0.name`, undefined),
  set(`${prefix}.containers.0.ports.0.containerPort`, '80'),
  set(`${prefix}.containers.0.ports.0.containerPort`, 3000000000),
  set(`${prefix}.containers.0.ports.0.protocol`, 'TCPX'),
  set(`${prefix}.containers.0.ports.0.protocol`, 'UDP'),
  set(`${prefix}.containers.0.resources.requests.cpu`, 1),
  set(`${prefix}.containers.0.resources.requests.cpu`, 0.5),
  set(`${prefix}.containers.0.resources.requests.memory`, 'lots'),
  set(`${prefix}.containers.0.resources.requests.memory`, '1Gi'),
  set(`${prefix}.containers.0.env`, [{ name: 'A', value: 'b' }]),
  set(`${prefix}.containers.0.env`, [{ name: 'A', value: 1 }]),
  set(`${prefix}.containers.0.env`, { A: 'b' }),
  set(`${prefix}.containers`, {}),
  set(`${prefix}.terminationGracePeriodSeconds`, '30'),
  set(`${prefix}.terminationGracePeriodSeconds`, 30),
  set(`${prefix}.automountServiceAccountToken`, 'yes'),
  set(`${prefix}.automountServiceAccountToken`, false),
  set(`${prefix}.dnsPolicy`, 'Sometimes'),
  set(`${prefix}.dnsPolicy`, 'ClusterFirst'),
  set(`${prefix}.nodeSelector`, { disk: 'ssd' }),
  set(`${prefix}.nodeSelector`, { disk: true }),
  set(`${prefix}.hostNetwork`, null),
  set(`${prefix}.unknownPodField`, 1),
  set(`${prefix}.containers.0.securityContext`, { runAsNonRoot: true, runAsUser: 1000 }),
  set(`${prefix}.containers.0.securityContext`, { runAsUser: 'root' }),
];

const cases: KindCase[] = [
  {
    kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', base: { data: { a: 'b' } },
    variants: [set('data.n', 1), set('data.t', true), set('data', ['a']), set('binaryData', { b: 'aGVsbG8=' }), set('binaryData', { b: 'not base64!' }), set('immutable', 'true'), set('immutable', true), set('dataa', {}), set('metadata', { labels: { a: 'b' } }), set('metadata', { labels: { a: 1 } }), set('metadata', { lables: { a: 'b' } }), set('metadata', { annotations: null }), set('data', null)],
  },
  {
    kind: 'Secret', apiVersion: 'v1', plural: 'secrets', base: { type: 'Opaque', data: { password: 'cGFzcw==' } },
    variants: [set('data.password', 'pass!'), set('stringData', { a: 'b' }), set('stringData', { a: 2 }), set('type', 5), set('immutable', 1)],
  },
  {
    kind: 'Service', apiVersion: 'v1', plural: 'services', base: { spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    variants: [set('spec.type', 'NodePort'), set('spec.type', 'Foo'), set('spec.ports.0.targetPort', 'http'), set('spec.ports.0.targetPort', 1.5), set('spec.ports.0.port', '80'), set('spec.ports.0.protocol', 'SCTP'), set('spec.ports.0.protocol', 'ICMP'), set('spec.sessionAffinity', 'ClientIP'), set('spec.sessionAffinity', 'Sticky'), set('spec.selector', 'app=x'), set('spec.clusterIPs', 'None'), set('spec.externalTrafficPolicy', 'Nowhere'), set('spec.internalTrafficPolicy', 'Nowhere'), set('spec.ipFamilyPolicy', 'SingleStack'), set('spec.publishNotReadyAddresses', 'no'), set('spec.portz', [])],
  },
  {
    kind: 'ServiceAccount', apiVersion: 'v1', plural: 'serviceaccounts', base: {},
    variants: [set('automountServiceAccountToken', false), set('automountServiceAccountToken', 'false'), set('imagePullSecrets', [{ name: 'reg' }]), set('imagePullSecrets', ['reg']), set('secrets', [{ name: 's', kind: 'Secret' }]), set('secretz', [])],
  },
  {
    kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments',
    base: { spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: podSpec } } },
    variants: [
      set('spec.replicas', 'three'), set('spec.replicas', 2.5), set('spec.replicas', null), set('spec.selector', undefined),
      set('spec.strategy', { type: 'Recreate' }), set('spec.strategy', { type: 'Sometimes' }),
      set('spec.strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } }),
      set('spec.strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1.5 } }),
      set('spec.minReadySeconds', -0.5), set('spec.paused', 'yes'), set('spec.revisionHistoryLimit', 3), set('spec.progressDeadlineSeconds', '600'),
      set('spec.template.metadata.labelz', {}), set('spec.templates', {}),
      ...podVariants('spec.template.spec'),
    ],
  },
  {
    kind: 'ReplicaSet', apiVersion: 'apps/v1', plural: 'replicasets',
    base: { spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: podSpec } } },
    variants: [set('spec.replicas', '1'), set('spec.minReadySeconds', 5), set('spec.selector.matchExpressions', [{ key: 'app', operator: 'In', values: ['x'] }]), set('spec.selector.matchLabels', ['app']), ...podVariants('spec.template.spec')],
  },
  {
    kind: 'DaemonSet', apiVersion: 'apps/v1', plural: 'daemonsets',
    base: { spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: podSpec } } },
    variants: [set('spec.updateStrategy', { type: 'OnDelete' }), set('spec.updateStrategy', { type: 'Whenever' }), set('spec.updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } }), ...podVariants('spec.template.spec')],
  },
  {
    kind: 'Job', apiVersion: 'batch/v1', plural: 'jobs',
    base: { spec: { backoffLimit: 1, template: { spec: { ...podSpec, restartPolicy: 'Never' } } } },
    variants: [set('spec.template', undefined), set('spec.backoffLimit', '1'), set('spec.completionMode', 'Indexed'), set('spec.completionMode', 'Sometimes'), set('spec.podFailurePolicy', { rules: [{ action: 'Explode', onExitCodes: { operator: 'In', values: [1] } }] }), set('spec.suspend', true), set('spec.ttlSecondsAfterFinished', 'soon'), ...podVariants('spec.template.spec').slice(0, 16)],
  },
  {
    kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', plural: 'ingresses',
    base: { spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
    variants: [
      set('spec.rules.0.http.paths.0.pathType', 'Sometimes'), set('spec.rules.0.http.paths.0.pathType', 'Exact'),
      set('spec.rules.0.http.paths.0.backend', { serviceName: 'web', servicePort: 80 }),
      set('spec.rules.0.http.paths.0.backend.service.port', { number: '80' }),
      set('spec.rules.0.http.paths.0.backend.service.port', { name: 'http' }),
      set('spec.ingressClassName', 'nginx'), set('spec.ingressClassName', 5), set('spec.tls', [{ hosts: ['a.example.com'], secretName: 'tls' }]), set('spec.tls', { hosts: [] }),
    ],
  },
  {
    kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'roles',
    base: { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
    variants: [set('rules.0.verbs', 'get'), set('rules.0.verbs', undefined), set('rules.0.resourceNames', ['a']), set('rules.0.nonsense', true), set('rules', null)],
  },
  {
    kind: 'Widget', apiVersion: `${group}/v1`, plural: 'widgets', base: { spec: { size: 3 } },
    variants: [
      set('spec.size', 'big'), set('spec.size', 0), set('spec.size', 11), set('spec.size', undefined), set('spec.color', 'red'), set('spec.color', 'green'),
      set('spec.port', 80), set('spec.port', 'http'), set('spec.port', true), set('spec.tags', ['a', 'b']), set('spec.tags', 'a'),
      set('spec.extra', { anything: [1, { deep: true }] }), set('spec.limits', { cpu: 2 }), set('spec.limits', { cpu: '2' }), set('spec.colour', 'red'),
      set('spec', { size: 2, color: null }), set('metadata', { labels: { a: 'b' } }),
    ],
  },
];

/** Removed API versions: the server does not serve them (404), gitfed names the replacement. */
const removed: [string, string, string, JsonObject][] = [
  ['Ingress', 'extensions/v1beta1', 'ingresses', { spec: { rules: [] } }],
  ['Ingress', 'networking.k8s.io/v1beta1', 'ingresses', { spec: { rules: [] } }],
  ['Deployment', 'extensions/v1beta1', 'deployments', { spec: { template: {} } }],
  ['CronJob', 'batch/v1beta1', 'cronjobs', { spec: {} }],
  ['PodDisruptionBudget', 'policy/v1beta1', 'poddisruptionbudgets', { spec: {} }],
];

interface CorpusEntry { kind: string; apiVersion: string; plural: string; template: JsonObject }

function corpus(): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  for (const kindCase of cases) {
    for (const template of [kindCase.base, ...kindCase.variants.map((variant) => variant(kindCase.base))]) {
      entries.push({ kind: kindCase.kind, apiVersion: kindCase.apiVersion, plural: kindCase.plural, template });
    }
  }
  for (const [kind, apiVersion, plural, template] of removed) entries.push({ kind, apiVersion, plural, template });
  return entries;
}

function repoFiles(namespace: string, member: string, entries: CorpusEntry[]): Map<string, string> {
  const files = new Map<string, string>();
  files.set('clusters.yaml', stringify({ apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster', metadata: { name: member }, spec: { apiEndpoint: 'https://127.0.0.1:6443' } }));
  files.set('namespace.yaml', stringify({ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedNamespace', metadata: { name: namespace, namespace }, spec: { placement: { clusters: [{ name: member }] } } }));
  files.set('crd.yaml', stringify(crd));
  entries.forEach((entry, i) => {
    files.set(`objects/${String(i).padStart(3, '0')}.yaml`, stringify({
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: `Federated${entry.kind}`,
      metadata: { name: `o-${i}`, namespace },
      spec: { template: { ...entry.template, apiVersion: entry.apiVersion }, placement: { clusters: [{ name: member }] } },
    }));
  });
  return files;
}

describe('validation agrees with the API server', () => {
  it('on every object of a generated corpus: offline verdict = server-side dry-run with fieldValidation=Strict', async () => {
    const lab = useLab();
    const member = lab.members[0]!;
    const credentials = await readAdminCredentials(pkiFiles(labPaths(lab.dir).pki));
    const call = (method: string, path: string, body?: unknown) => kubeRequest(member.server, credentials, { method, path, body, timeoutMs: 30_000 });
    const namespace = `oracle-${Date.now().toString(36)}`;

    // The CRD for real (dry-runs of its custom resources need it served), and the namespace.
    const created = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    expect([201, 409]).toContain(created.status);
    await waitFor(async () => (await call('GET', `/apis/${group}/v1/widgets`)).status === 200);
    expect((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })).status).toBe(201);

    const entries = corpus();
    expect(entries.length).toBeGreaterThanOrEqual(200);
    const model = loadModel({ revision: null, files: repoFiles(namespace, member.name, entries), diagnostics: [] });
    expect(model.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const rendered = render(model);
    const found = validateRender(rendered, model, schemasOf(await readSchemaBundle(defaultKubeVersion)));
    expect(found.filter((d) => d.code === 'SchemaUnknown')).toEqual([]);
    const invalid = new Set(found.filter((d) => d.code === 'ObjectInvalid').map((d) => d.resource));

    const objects = (rendered.clusters[member.name] ?? []).filter((object) => object.kind !== 'Namespace');
    expect(objects.length).toBe(entries.length);
    const disagreements: string[] = [];
    let refused = 0;
    for (const object of objects) {
      const entry = entries[Number(object.metadata.name.slice(2))]!;
      const response = await call('POST', `${basePath(object.apiVersion)}/namespaces/${namespace}/${entry.plural}?dryRun=All&fieldValidation=Strict`, object);
      const serverRefused = response.status >= 400;
      expect(response.status === 201 || response.status === 200 || [400, 404, 422].includes(response.status), `${response.status} ${response.body}`).toBe(true);
      if (serverRefused) refused++;
      const id = `${object.kind}/${namespace}/${object.metadata.name}`;
      if (serverRefused !== invalid.has(id)) {
        disagreements.push(`${id} ${JSON.stringify(entry.template)}: server ${response.status} ${response.body.slice(0, 300)}; gitfed ${invalid.has(id) ? found.find((d) => d.resource === id)?.message : 'valid'}`);
      }
    }
    expect(disagreements).toEqual([]);
    // Both verdicts occur often enough for the agreement to mean something.
    expect(refused).toBeGreaterThan(60);
    expect(objects.length - refused).toBeGreaterThan(60);

    await call('DELETE', `/api/v1/namespaces/${namespace}`);
  });
});

function basePath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the CRD to be served');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export type { KubeObject };

/**
 * Cluster API on a lab member, for the `--members-from capi` e2e tests: the real Cluster CRD (fetched from CAPI's
 * Go module by lab/fetch-crds.sh into a cache outside the repository), Cluster objects whose status is written
 * through the status subresource as CAPI's controllers write it, `<name>-kubeconfig` Secrets holding kubeconfigs
 * for other lab members (the lab's own certificate, or a ServiceAccount token made for the test, so a rotation
 * can switch from one working credential to another and revoke the first).
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import type { ClusterClient } from '../../src/cluster/cluster-client.ts';
import type { MemberRegistry } from '../../src/cluster/member-registry.ts';
import type { KubeObject } from '../../src/model/types.ts';
import { apiClientFor, type E2eLab } from '../e2e/lab-context.ts';

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, '..', '..');
export const capiApiVersion = 'cluster.x-k8s.io/v1beta2';

/** The cached Cluster CRD; fails (never skips) with how to fetch it when the cache is empty. */
export async function capiClusterCrd(): Promise<KubeObject> {
  // Fetched from CAPI's Go module on first use (like the lab binaries), then cached: `npm test` needs no extra step.
  const dir = (await run(join(repoRoot, 'lab', 'fetch-crds.sh'), [])).stdout.trim().split('\n').at(-1) ?? '';
  const file = join(dir, 'cluster.x-k8s.io_clusters.yaml');
  try {
    await access(file);
  } catch {
    throw new Error(`Cluster API's Cluster CRD is not in the cache (${file}); run lab/fetch-crds.sh (needs Go) — .ci/run does`);
  }
  return parse(await readFile(file, 'utf8')) as KubeObject;
}

/** Installs the CRD on the management member and waits until it is Established. */
export async function installCapiCrd(management: ClusterClient): Promise<void> {
  const crd = await capiClusterCrd();
  await management.apply(crd, { force: true, fieldManager: 'e2e-capi' });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const live = await management.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: crd.metadata.name });
    const conditions = ((live?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
    if (Date.now() > deadline) throw new Error('the Cluster API CRD did not become Established in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  management.invalidateDiscovery();
}

interface KubeconfigFile {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
}

/** A kubeconfig (as CAPI writes one: everything embedded) for lab member `member`: its own certificate, or `token`. */
export async function kubeconfigFor(lab: E2eLab, member: string, credentials: { token: string } | 'lab'): Promise<string> {
  const file = parse(await readFile(lab.kubeconfig, 'utf8')) as KubeconfigFile;
  const context = file.contexts.find((c) => c.name === member)!.context;
  const cluster = file.clusters.find((c) => c.name === context.cluster)!.cluster;
  const user = credentials === 'lab' ? file.users.find((u) => u.name === context.user)!.user : { token: credentials.token };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: member, cluster }],
    users: [{ name: `${member}-admin`, user }],
    contexts: [{ name: `${member}-admin@${member}`, context: { cluster: member, user: `${member}-admin` } }],
    'current-context': `${member}-admin@${member}`,
  });
}

/** A cluster-admin ServiceAccount token in `member` (a legacy token Secret: deleting it revokes the token). */
export async function adminToken(client: ClusterClient, name: string): Promise<{ token: string; revoke: () => Promise<void> }> {
  const namespace = 'kube-system';
  await client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  await client.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
  await client.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name, namespace, annotations: { 'kubernetes.io/service-account.name': name } },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    const token = (secret?.data as Record<string, string> | undefined)?.token;
    if (token) {
      return {
        token: Buffer.from(token, 'base64').toString('utf8'),
        async revoke() {
          await client.delete({ apiVersion: 'v1', kind: 'Secret', namespace, name });
          await client.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name });
          await client.delete({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name });
        },
      };
    }
    if (Date.now() > deadline) throw new Error(`the token controller did not fill Secret ${namespace}/${name} in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export type ControlPlane = 'available' | 'unavailable';

/** Cluster API objects in one namespace of the management member. */
export interface CapiNamespace {
  readonly namespace: string;
  /** The Cluster and its kubeconfig Secret, then the status CAPI would write. */
  addCluster(name: string, options: { labels: Record<string, string>; kubeconfig: string; controlPlane?: ControlPlane; paused?: boolean }): Promise<void>;
  setControlPlane(name: string, state: ControlPlane): Promise<void>;
  setLabels(name: string, labels: Record<string, string>): Promise<void>;
  setKubeconfig(name: string, text: string): Promise<void>;
  /** Holds deletion with a finalizer of the test's own, as CAPI's finalizer would while it tears down. */
  holdDeletion(name: string): Promise<void>;
  releaseDeletion(name: string): Promise<void>;
  deleteCluster(name: string): Promise<void>;
  remove(): Promise<void>;
}

export async function capiNamespace(lab: E2eLab, registry: MemberRegistry, management: string, namespace: string): Promise<CapiNamespace> {
  const client = registry.get(management);
  const custom = apiClientFor(lab, management, CustomObjectsApi);
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const ref = (name: string) => ({ apiVersion: capiApiVersion, kind: 'Cluster', namespace, name });
  const where = (name: string) => ({ group: 'cluster.x-k8s.io', version: 'v1beta2', namespace, plural: 'clusters', name });

  const setStatus = async (name: string, state: ControlPlane) => {
    const live = (await custom.getNamespacedCustomObject(where(name))) as KubeObject;
    const status = state === 'available' ? 'True' : 'False';
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = (type: string, reason: string, message = '') => ({ type, status, reason, message, lastTransitionTime: now, observedGeneration: 1 });
    const body = {
      ...live,
      status: {
        phase: state === 'available' ? 'Provisioned' : 'Provisioning',
        conditions: [
          condition('ControlPlaneAvailable', state === 'available' ? 'Available' : 'NotAvailable', state === 'available' ? '' : 'waiting for control plane machines'),
          condition('Available', state === 'available' ? 'Available' : 'NotAvailable'),
        ],
      },
    };
    await custom.replaceNamespacedCustomObjectStatus({ ...where(name), body });
  };
  const secret = (name: string, text: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'cluster.x-k8s.io/secret',
    metadata: { name: `${name}-kubeconfig`, namespace, labels: { 'cluster.x-k8s.io/cluster-name': name } },
    data: { value: Buffer.from(text).toString('base64') },
  });

  return {
    namespace,
    async addCluster(name, options) {
      await client.apply(secret(name, options.kubeconfig), { fieldManager: 'e2e-capi' });
      await client.apply(
        {
          apiVersion: capiApiVersion,
          kind: 'Cluster',
          metadata: { name, namespace, labels: options.labels },
          spec: { paused: options.paused ?? false, controlPlaneEndpoint: { host: '127.0.0.1', port: 6443 } },
        },
        { fieldManager: 'e2e-capi' },
      );
      await setStatus(name, options.controlPlane ?? 'available');
    },
    setControlPlane: setStatus,
    async setLabels(name, labels) {
      const live = await client.get(ref(name));
      const removed = Object.fromEntries(Object.keys(live?.metadata.labels ?? {}).filter((key) => !(key in labels)).map((key) => [key, null]));
      await client.mergePatch(ref(name), { metadata: { labels: { ...removed, ...labels } } });
    },
    async setKubeconfig(name, text) {
      await client.apply(secret(name, text), { fieldManager: 'e2e-capi', force: true });
    },
    async holdDeletion(name) {
      await client.mergePatch(ref(name), { metadata: { finalizers: ['e2e.gitfed.io/hold'] } });
    },
    async releaseDeletion(name) {
      await client.mergePatch(ref(name), { metadata: { finalizers: null } });
    },
    async deleteCluster(name) {
      await client.delete(ref(name));
    },
    async remove() {
      const clusters = await client.list(capiApiVersion, 'Cluster', { namespace }).catch(() => []);
      for (const cluster of clusters) await client.mergePatch(ref(cluster.metadata.name), { metadata: { finalizers: null } }).catch(() => undefined);
      await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    },
  };
}

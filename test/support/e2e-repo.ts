/**
 * Temporary manifest repositories for e2e tests, and a harness that applies them to the lab.
 *
 * A test builds YAML documents from plain objects (kubeFedClusters, federatedNamespace, federatedConfigMap …),
 * writes them to a fresh directory with tempRepo(), and rewrites that directory revision by revision. applyRepo()
 * then does what `gitfed apply` does through the library — loadRepo → render → connectMembers → applyAll — with
 * explicit options, and returns the report plus every member's request counts (stats() of a client used only
 * for that apply). Clients for looking at members and editing them "by hand" use another field manager.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino, type Logger } from 'pino';
import { parse, stringify } from 'yaml';
import { applyAll, type ApplyOptions, type ApplyReport } from '../../src/apply/apply-all.ts';
import { readInventory } from '../../src/apply/inventory-store.ts';
import type { ClientNodeClusterClientOptions } from '../../src/cluster/client-node-cluster-client.ts';
import type { ClusterClient, ObjectRef, RequestStats } from '../../src/cluster/cluster-client.ts';
import { closeMembers, connectMembers, type MemberConnection } from '../../src/cluster/connect-members.ts';
import { createMemberRegistry, type MemberRegistry } from '../../src/cluster/member-registry.ts';
import type { Cluster, KubeObject, Model } from '../../src/model/types.ts';
import type { Change } from '../../src/plan/change-set.ts';
import { defaultDeletionGuard } from '../../src/plan/deletion-guard.ts';
import { inventoryName, inventoryNamespace } from '../../src/plan/inventory.ts';
import { render, type RenderResult } from '../../src/render/render.ts';
import { loadRepo } from '../../src/source/load-repo.ts';
import { uniqueName } from '../e2e/lab-context.ts';

// ---- YAML documents ------------------------------------------------------------------------------------------

type Doc = Record<string, unknown>;

/** One YAML file holding the documents, `---`-separated. */
export function yamlOf(...docs: Doc[]): string {
  return docs.map((doc) => stringify(doc)).join('---\n');
}

/** Where a federated object goes: named clusters, or every declared cluster. */
export type PlacementSpec = readonly string[] | 'all';

function placementOf(placement: PlacementSpec): Doc {
  return placement === 'all' ? { clusterSelector: {} } : { clusters: placement.map((name) => ({ name })) };
}

/** `clusterName → ops`, the federated object's `spec.overrides`. */
export type OverridesSpec = Record<string, { op?: string; path: string; value?: unknown }[]>;

function overridesOf(overrides: OverridesSpec): Doc[] {
  return Object.entries(overrides).map(([clusterName, clusterOverrides]) => ({ clusterName, clusterOverrides }));
}

/** KubeFedCluster documents for the lab members (credentials come from the kubeconfig context of that name). */
export function kubeFedClusters(
  names: readonly string[],
  options: { annotations?: Record<string, Record<string, string>> } = {},
): string {
  return yamlOf(
    ...names.map((name) => ({
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'KubeFedCluster',
      metadata: {
        name,
        namespace: 'kube-federation-system',
        labels: { member: name },
        ...(options.annotations?.[name] ? { annotations: options.annotations[name] } : {}),
      },
      spec: { apiEndpoint: `https://${name}.example.internal:6443` },
    })),
  );
}

export interface FederatedOptions {
  name: string;
  namespace: string;
  placement?: PlacementSpec;
  overrides?: OverridesSpec;
  /** On the federated object (kubefed.io/orphan, gitfed.io/adopt …). */
  annotations?: Record<string, string>;
  retainReplicas?: boolean;
}

/** A `Federated<Kind>` (types.kubefed.io/v1beta1) wrapping `template`. */
export function federated(kind: string, options: FederatedOptions, template: Doc): Doc {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: `Federated${kind}`,
    metadata: {
      name: options.name,
      namespace: options.namespace,
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: {
      template,
      placement: placementOf(options.placement ?? 'all'),
      ...(options.overrides ? { overrides: overridesOf(options.overrides) } : {}),
      ...(options.retainReplicas !== undefined ? { retainReplicas: options.retainReplicas } : {}),
    },
  };
}

export function federatedNamespace(namespace: string, placement: PlacementSpec = 'all'): Doc {
  return federated('Namespace', { name: namespace, namespace, placement }, {});
}

export function federatedConfigMap(options: FederatedOptions & { data: Record<string, string> }): Doc {
  const { data, ...rest } = options;
  return federated('ConfigMap', rest, { data });
}

export function federatedDeployment(options: FederatedOptions & { replicas: number; image?: string }): Doc {
  const { replicas, image, ...rest } = options;
  const labels = { app: options.name };
  return federated('Deployment', rest, {
    metadata: { labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image: image ?? 'registry.example.com/e2e/app:1.0.0' }] },
      },
    },
  });
}

export function replicaSchedulingPreference(options: {
  name: string;
  namespace: string;
  totalReplicas: number;
  clusters: Record<string, { weight?: number; minReplicas?: number; maxReplicas?: number }>;
}): Doc {
  return {
    apiVersion: 'scheduling.kubefed.io/v1alpha1',
    kind: 'ReplicaSchedulingPreference',
    metadata: { name: options.name, namespace: options.namespace },
    spec: { targetKind: 'FederatedDeployment', totalReplicas: options.totalReplicas, clusters: options.clusters },
  };
}

// ---- temporary directories -----------------------------------------------------------------------------------

export interface TempRepo {
  readonly dir: string;
  /** Replaces the whole content: files not named here are gone afterwards (one revision after another). */
  write(files: Record<string, string>): Promise<void>;
  remove(): Promise<void>;
}

export async function tempRepo(files: Record<string, string> = {}): Promise<TempRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'gitfed-e2e-repo-'));
  const repo: TempRepo = {
    dir,
    async write(next) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      for (const [name, text] of Object.entries(next)) {
        const file = join(dir, name);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, text);
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  await repo.write(files);
  return repo;
}

/** A port nothing listens on (taken and released at once). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface KubeconfigFile {
  clusters?: { name: string; cluster: { server: string } }[];
  contexts?: { name: string }[];
  [field: string]: unknown;
}

/**
 * A copy of `kubeconfig` (in a temp dir of its own, removed by the returned `remove`) in which the members named
 * by `unreachable` point at a closed local port and those named by `without` have no context.
 */
export async function kubeconfigCopy(
  kubeconfig: string,
  change: { unreachable?: readonly string[]; without?: readonly string[] },
): Promise<{ file: string; remove: () => Promise<void> }> {
  const config = parse(await readFile(kubeconfig, 'utf8')) as KubeconfigFile;
  const unreachable = new Set(change.unreachable ?? []);
  const without = new Set(change.without ?? []);
  for (const cluster of config.clusters ?? []) {
    if (unreachable.has(cluster.name)) cluster.cluster.server = `https://127.0.0.1:${await closedPort()}`;
  }
  config.contexts = (config.contexts ?? []).filter((context) => !without.has(context.name));
  const dir = await mkdtemp(join(tmpdir(), 'gitfed-e2e-kubeconfig-'));
  const file = join(dir, 'kubeconfig');
  await writeFile(file, stringify(config), { mode: 0o600 });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

// ---- applying ------------------------------------------------------------------------------------------------

export const quietLogger: Logger = pino({ level: process.env.GITFED_LOG_LEVEL ?? 'silent' });

export interface ApplyRepoOptions extends Partial<ApplyOptions> {
  instance: string;
  kubeconfig: string;
  /** Options for every member client (e.g. fewer retries against a closed port). */
  client?: Omit<ClientNodeClusterClientOptions, 'cluster' | 'kubeConfig'>;
  /** Changes the declared clusters handed to applyAll (as if the loader had read more from Git). */
  clusters?: (clusters: Cluster[]) => Cluster[];
  /** Replaces connections before applying (e.g. wraps one member's client). */
  connections?: (connections: Map<string, MemberConnection>) => Map<string, MemberConnection>;
}

export interface ApplyRun {
  model: Model;
  rendered: RenderResult;
  report: ApplyReport;
  /** Requests each reachable member's client made during this apply. */
  stats: Record<string, RequestStats>;
}

/** `gitfed apply` through the library: fresh member clients for this apply only, closed afterwards. */
export async function applyRepo(dir: string, options: ApplyRepoOptions, logger: Logger = quietLogger): Promise<ApplyRun> {
  const { kubeconfig, client, clusters: changeClusters, connections: changeConnections, ...rest } = options;
  const model = await loadRepo(dir);
  const rendered = render(model, { instance: options.instance });
  const applyOptions: ApplyOptions = {
    dryRun: false,
    adopt: false,
    conflicts: 'force',
    deletionGuard: defaultDeletionGuard,
    allowMassDeletion: false,
    ...rest,
  };
  let connections = await connectMembers(model.clusters.map((cluster) => cluster.name), { kubeconfig, ...(client ? { client } : {}) }, { logger });
  if (changeConnections) connections = changeConnections(connections);
  try {
    const clusters = changeClusters ? changeClusters(model.clusters) : model.clusters;
    const report = await applyAll(rendered, clusters, connections, applyOptions);
    const stats: Record<string, RequestStats> = {};
    for (const [name, connection] of connections) if ('stats' in connection) stats[name] = connection.stats();
    return { model, rendered, report, stats };
  } finally {
    await closeMembers(connections);
  }
}

/** Clients for reading members and editing them by hand, as field manager `e2e-hand-edit`. */
export function observeMembers(kubeconfig: string, members: readonly string[]): Promise<MemberRegistry> {
  return createMemberRegistry({ clusters: members, kubeconfig, client: { fieldManager: 'e2e-hand-edit' } }, { logger: quietLogger });
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes; then fails with `what` and the last state. */
export async function eventually<T>(
  what: string,
  check: () => Promise<{ done: T } | { state: unknown }>,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    const outcome = await check();
    if ('done' in outcome) return outcome.done;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${options.timeoutMs ?? 90_000} ms; last state ${JSON.stringify(outcome.state)}`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

// ---- scenarios -----------------------------------------------------------------------------------------------

export interface Scenario {
  /** A namespace of its own (rendered by a FederatedNamespace the test writes). */
  namespace: string;
  /** A gitfed instance of its own: its inventory ConfigMap is this test's alone. */
  instance: string;
  repo: TempRepo;
  /** Writes one revision: the lab's KubeFedClusters plus these files. */
  revision(files: Record<string, string>): Promise<void>;
  apply(options?: Partial<ApplyRepoOptions>): Promise<ApplyRun>;
}

export interface ApplyKit {
  /** Reads and hand-edits members (field manager e2e-hand-edit); valid between open() and close(). */
  readonly observer: MemberRegistry;
  open(): Promise<void>;
  /** A namespace, instance and repo of its own; removed (with the namespace and the inventory) by cleanUp(). */
  scenario(prefix: string): Promise<Scenario>;
  cleanUp(): Promise<void>;
  close(): Promise<void>;
  /** The member object, or null. */
  live(cluster: string, ref: ObjectRef): Promise<KubeObject | null>;
  mustLive(cluster: string, ref: ObjectRef): Promise<KubeObject>;
  /** `Kind/name` of every entry in the member's inventory for `instance`, sorted. */
  inventoryNames(cluster: string, instance: string): Promise<string[]>;
}

/** Scenarios against the lab members: `beforeAll(kit.open)`, `afterEach(kit.cleanUp)`, `afterAll(kit.close)`. */
export function applyKit(kubeconfig: string, members: readonly string[]): ApplyKit {
  let observer: MemberRegistry | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  const registry = (): MemberRegistry => {
    if (!observer) throw new Error('applyKit: open() first');
    return observer;
  };
  const kit: ApplyKit = {
    get observer() {
      return registry();
    },
    async open() {
      observer = await observeMembers(kubeconfig, members);
    },
    async scenario(prefix) {
      const namespace = uniqueName(`e2e-${prefix}`);
      const instance = uniqueName(prefix);
      const repo = await tempRepo();
      cleanups.push(async () => {
        await repo.remove();
        await Promise.allSettled(
          members.flatMap((member) => [
            registry().get(member).delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }),
            deleteInventory(registry().get(member), instance),
          ]),
        );
      });
      return {
        namespace,
        instance,
        repo,
        revision: (files) => repo.write({ 'clusters.yaml': kubeFedClusters(members), ...files }),
        apply: (options = {}) => applyRepo(repo.dir, { instance, kubeconfig, ...options }),
      };
    },
    async cleanUp() {
      await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
    },
    async close() {
      await kit.cleanUp();
      await observer?.close();
      observer = undefined;
    },
    live: (cluster, ref) => registry().get(cluster).get(ref),
    async mustLive(cluster, ref) {
      const object = await kit.live(cluster, ref);
      if (!object) throw new Error(`${cluster}: ${[ref.kind, ref.namespace, ref.name].filter(Boolean).join('/')} is not there`);
      return object;
    },
    async inventoryNames(cluster, instance) {
      const { inventory } = await readInventory(registry().get(cluster), instance);
      return inventory.entries.map((entry) => `${entry.kind}/${entry.name}`).sort();
    },
  };
  return kit;
}

/** Deletes every ConfigMap of an instance's inventory (the index and its shards). */
export async function deleteInventory(client: Pick<ClusterClient, 'list' | 'delete'>, instance: string): Promise<void> {
  const parts = await client.list('v1', 'ConfigMap', { namespace: inventoryNamespace, labelSelector: `gitfed.io/instance=${instance}` });
  await Promise.all(parts.map((part) => client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: inventoryNamespace, name: part.metadata.name })));
}

export function inventoryRef(instance: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace: inventoryNamespace, name: inventoryName(instance) };
}

export function configMapRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace, name };
}

export function deploymentRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name };
}

/** The change for `id` in `cluster`, if the apply reported one. */
export function changeOf(run: ApplyRun, cluster: string, id: string): Change | undefined {
  return run.report.clusters[cluster]?.changes.find((change) => change.id === id);
}

export const dataOf = (object: KubeObject | null): Record<string, string> | undefined => object?.data as Record<string, string> | undefined;
export const replicasOf = (object: KubeObject | null): number | undefined => (object?.spec as { replicas?: number } | undefined)?.replicas;

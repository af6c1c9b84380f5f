/**
 * "Never lose anything on error" against the real lab: the deletion guard, an object whose override fails to
 * render for one member, a revision with load errors (through the CLI), and members that cannot be reached —
 * unreachable from the start (a kubeconfig copy pointing one member at a closed port, another member missing its
 * context; through the CLI, `-o json`) and lost mid-apply (its client switched to a closed port after a few
 * writes). The lab's own processes are never stopped: other test files share them.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClientNodeClusterClient } from '../../src/cluster/client-node-cluster-client.ts';
import type { ApplyRequest, ClusterClient, ListRequest, ObjectRef, RequestStats } from '../../src/cluster/cluster-client.ts';
import { allowMassDeletionAnnotation, instanceAnnotation } from '../../src/model/marks.ts';
import type { KubeObject } from '../../src/model/types.ts';
import {
  applyKit,
  changeOf,
  configMapRef,
  dataOf,
  federatedConfigMap,
  federatedNamespace,
  kubeconfigCopy,
  kubeFedClusters,
  quietLogger,
  yamlOf,
  type ApplyRun,
} from '../support/e2e-repo.ts';
import { runCli } from '../support/run-cli.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((member) => member.name);
const [m1, m2, m3] = members as [string, string, string];
const kit = applyKit(lab.kubeconfig, members);
const { live, mustLive } = kit;

beforeAll(kit.open);
afterEach(kit.cleanUp);
afterAll(kit.close);

const configMaps = (namespace: string, names: readonly string[], placement: 'all' | string[] = 'all', value = 'v1') =>
  names.map((name) => federatedConfigMap({ name, namespace, placement, data: { value } }));

function summary(run: ApplyRun, cluster: string): string[] {
  return (run.report.clusters[cluster]?.changes ?? []).map((change) => `${change.id} ${change.action} ${change.propagation}`);
}

describe('the deletion guard', () => {
  it('holds deletions of most objects (DeletionGuarded) while creations and updates go ahead, and lets them through with allowMassDeletion', async () => {
    const s = await kit.scenario('guard');
    const ns = s.namespace;
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(ns), ...configMaps(ns, ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'], [m1])) });
    await s.apply();

    // Drops c2…c6 (5 of the 7 objects gitfed manages in member1), changes c1, adds c7.
    await s.revision({
      'app.yaml': yamlOf(federatedNamespace(ns), ...configMaps(ns, ['c1'], [m1], 'v2'), ...configMaps(ns, ['c7'], [m1])),
    });
    const held = await s.apply();

    expect(summary(held, m1)).toEqual([
      `ConfigMap/${ns}/c1 configured ClusterPropagationOK`,
      ...['c2', 'c3', 'c4', 'c5', 'c6'].map((name) => `ConfigMap/${ns}/${name} skipped DeletionGuarded`),
      `ConfigMap/${ns}/c7 created ClusterPropagationOK`,
      `Namespace/${ns} unchanged ClusterPropagationOK`,
    ]);
    for (const name of ['c2', 'c3', 'c4', 'c5', 'c6']) expect(await live(m1, configMapRef(ns, name)), name).not.toBeNull();
    expect(dataOf(await live(m1, configMapRef(ns, 'c1')))).toEqual({ value: 'v2' });
    expect(await live(m1, configMapRef(ns, 'c7'))).not.toBeNull();
    // Held deletions stay in the inventory, so they are still pruned once allowed.
    expect(await kit.inventoryNames(m1, s.instance)).toHaveLength(8);
    // The other members lose nothing, so nothing is held there.
    expect(summary(held, m2)).toEqual([`Namespace/${ns} unchanged ClusterPropagationOK`]);

    const again = await s.apply();
    expect(again.report.clusters[m1]?.changes.filter((change) => change.propagation === 'DeletionGuarded')).toHaveLength(5);

    const allowed = await s.apply({ allowMassDeletion: true });

    expect(summary(allowed, m1)).toEqual([
      `ConfigMap/${ns}/c1 unchanged ClusterPropagationOK`,
      ...['c2', 'c3', 'c4', 'c5', 'c6'].map((name) => `ConfigMap/${ns}/${name} deleted ClusterPropagationOK`),
      `ConfigMap/${ns}/c7 unchanged ClusterPropagationOK`,
      `Namespace/${ns} unchanged ClusterPropagationOK`,
    ]);
    for (const name of ['c2', 'c3', 'c4', 'c5', 'c6']) expect(await live(m1, configMapRef(ns, name)), name).toBeNull();
    expect(await kit.inventoryNames(m1, s.instance)).toEqual(['ConfigMap/c1', 'ConfigMap/c7', `Namespace/${ns}`]);
  });

  it('lets the deletions through in the one member whose cluster carries gitfed.io/allow-mass-deletion: "true"', async () => {
    const s = await kit.scenario('guard-annotation');
    const ns = s.namespace;
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(ns), ...configMaps(ns, ['c1', 'c2', 'c3', 'c4'])) });
    await s.apply();
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(ns)) });

    // The annotation as applyAll receives it on the declared cluster (see the next test for the loader).
    const run = await s.apply({
      clusters: (clusters) =>
        clusters.map((cluster) => (cluster.name === m2 ? { ...cluster, annotations: { [allowMassDeletionAnnotation]: 'true' } } : cluster)),
    });

    for (const name of ['c1', 'c2', 'c3', 'c4']) {
      expect(changeOf(run, m2, `ConfigMap/${ns}/${name}`)?.action).toBe('deleted');
      expect(await live(m2, configMapRef(ns, name))).toBeNull();
      for (const member of [m1, m3]) {
        expect(changeOf(run, member, `ConfigMap/${ns}/${name}`)?.propagation).toBe('DeletionGuarded');
        expect(await live(member, configMapRef(ns, name))).not.toBeNull();
      }
    }
  });

  it('lets the deletions through when the KubeFedCluster document in the repo carries gitfed.io/allow-mass-deletion: "true"', async () => {
    const s = await kit.scenario('guard-repo');
    const ns = s.namespace;
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(ns, [m1]), ...configMaps(ns, ['c1', 'c2', 'c3', 'c4'], [m1])) });
    await s.apply();
    await s.repo.write({
      'clusters.yaml': kubeFedClusters(members, { annotations: { [m1]: { [allowMassDeletionAnnotation]: 'true' } } }),
      'app.yaml': yamlOf(federatedNamespace(ns, [m1])),
    });

    const run = await s.apply();

    for (const name of ['c1', 'c2', 'c3', 'c4']) expect(changeOf(run, m1, `ConfigMap/${ns}/${name}`)?.action).toBe('deleted');
  });
});

describe('errors never delete', () => {
  it('leaves an object as it is in the one member where its override fails to render, and applies it elsewhere', async () => {
    const s = await kit.scenario('held');
    const ns = s.namespace;
    const revision = (value: string, member2Override: { path: string; value: string }) =>
      s.revision({
        'app.yaml': yamlOf(
          federatedNamespace(ns),
          federatedConfigMap({ name: 'settings', namespace: ns, data: { color: value }, overrides: { [m2]: [member2Override] } }),
        ),
      });
    await revision('blue', { path: '/data/color', value: 'green' });
    await s.apply();
    const before = await mustLive(m2, configMapRef(ns, 'settings'));
    expect(dataOf(before)).toEqual({ color: 'green' });

    await revision('red', { path: '/data/missing/deep', value: 'x' });
    const run = await s.apply();

    const id = `ConfigMap/${ns}/settings`;
    expect(run.rendered.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'ApplyOverridesFailed', cluster: m2, resource: id }),
    );
    expect(changeOf(run, m2, id)).toBeUndefined();
    const after = await mustLive(m2, configMapRef(ns, 'settings'));
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.metadata.annotations?.[instanceAnnotation]).toBe(s.instance);
    expect(await kit.inventoryNames(m2, s.instance)).toEqual(['ConfigMap/settings', `Namespace/${ns}`]);
    for (const member of [m1, m3]) {
      expect(changeOf(run, member, id)).toMatchObject({ action: 'configured', fields: ['data.color'] });
      expect(dataOf(await live(member, configMapRef(ns, 'settings')))).toEqual({ color: 'red' });
    }

    // Fixed in Git: member2 catches up.
    await revision('red', { path: '/data/color', value: 'purple' });
    const fixed = await s.apply();
    expect(changeOf(fixed, m2, id)).toMatchObject({ action: 'configured' });
    expect(dataOf(await live(m2, configMapRef(ns, 'settings')))).toEqual({ color: 'purple' });
  });

  it('applies nothing from a revision with load errors (exit 1) and leaves every member as it was', async () => {
    const s = await kit.scenario('load-errors');
    const ns = s.namespace;
    const good = { 'app.yaml': yamlOf(federatedNamespace(ns), federatedConfigMap({ name: 'settings', namespace: ns, data: { color: 'blue' } })) };
    await s.revision(good);
    const first = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '-o', 'json');
    expect(first.code, first.stderr).toBe(0);
    const before = await Promise.all(members.map((member) => mustLive(member, configMapRef(ns, 'settings'))));
    const inventoryBefore = await Promise.all(members.map((member) => kit.inventoryNames(member, s.instance)));

    // The good file changes and a new object appears, but another file does not load.
    await s.revision({
      'app.yaml': yamlOf(
        federatedNamespace(ns),
        federatedConfigMap({ name: 'settings', namespace: ns, data: { color: 'red' } }),
        federatedConfigMap({ name: 'extra', namespace: ns, data: { color: 'red' } }),
      ),
      'broken.yaml': yamlOf({
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedConfigMap',
        metadata: { name: 'broken', namespace: ns },
        spec: { template: { data: {} }, placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] } } },
      }),
    });
    const { code, stdout, stderr } = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '-o', 'json');

    expect(code).toBe(1);
    expect(stderr).toContain('nothing was applied');
    const json = JSON.parse(stdout) as { revision: unknown; clusters: unknown; errors: { code: string; file?: string }[]; warnings: unknown[] };
    expect(Object.keys(json)).toEqual(['revision', 'clusters', 'errors', 'warnings']);
    expect(json.clusters).toEqual({});
    expect(json.errors.length).toBeGreaterThan(0);
    expect(json.errors[0]?.file).toBe('broken.yaml');
    for (const [index, member] of members.entries()) {
      const after = await mustLive(member, configMapRef(ns, 'settings'));
      expect(after.metadata.resourceVersion).toBe(before[index]?.metadata.resourceVersion);
      expect(await live(member, configMapRef(ns, 'extra'))).toBeNull();
      expect(await kit.inventoryNames(member, s.instance)).toEqual(inventoryBefore[index]);
    }
  });
});

describe('members that cannot be reached', () => {
  it('reports an unreachable member (ClusterNotReady) and one without a kubeconfig context (ClientRetrievalFailed), applies to the rest, and converges once they are back', async () => {
    const s = await kit.scenario('unreachable');
    const ns = s.namespace;
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(ns), federatedConfigMap({ name: 'settings', namespace: ns, data: { color: 'blue' } })) });
    const broken = await kubeconfigCopy(lab.kubeconfig, { unreachable: [m2], without: [m3] });
    try {
      const { code, stdout } = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', broken.file, '--instance', s.instance, '-o', 'json');

      expect(code).toBe(1);
      const json = JSON.parse(stdout) as {
        revision: unknown;
        clusters: Record<string, { reachable: boolean; message?: string; changes: { id: string; action: string; propagation: string; message?: string }[] }>;
        errors: unknown[];
        warnings: unknown[];
      };
      expect(Object.keys(json)).toEqual(['revision', 'clusters', 'errors', 'warnings']);
      expect(json.revision).toBeNull();
      // Each member that could not be reached is an error of its own, with its stage reason.
      expect((json.errors as { code: string; cluster?: string }[]).map(({ code, cluster }) => ({ code, cluster }))).toEqual([
        { code: 'ClusterNotReady', cluster: m2 },
        { code: 'ClusterNotReady', cluster: m3 },
      ]);
      expect(Object.keys(json.clusters)).toEqual([m1, m2, m3]);
      const ids = [`ConfigMap/${ns}/settings`, `Namespace/${ns}`];
      expect(json.clusters[m1]).toMatchObject({
        reachable: true,
        changes: ids.map((id) => ({ id, action: 'created', propagation: 'ClusterPropagationOK' })),
      });
      expect(json.clusters[m1]).not.toHaveProperty('failures');
      expect(json.clusters[m2]).toMatchObject({ reachable: false, message: expect.stringContaining('unreachable') });
      expect(json.clusters[m2]?.changes.map(({ id, action, propagation }) => ({ id, action, propagation }))).toEqual(
        ids.map((id) => ({ id, action: 'skipped', propagation: 'ClusterNotReady' })),
      );
      expect(json.clusters[m3]).toMatchObject({ reachable: false, message: expect.stringContaining(`"${m3}"`) });
      expect(json.clusters[m3]?.changes.map(({ id, action, propagation }) => ({ id, action, propagation }))).toEqual(
        ids.map((id) => ({ id, action: 'skipped', propagation: 'ClientRetrievalFailed' })),
      );
      for (const member of [m2, m3]) expect(await live(member, configMapRef(ns, 'settings'))).toBeNull();
    } finally {
      await broken.remove();
    }

    const back = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '-o', 'json');

    expect(back.code, back.stderr).toBe(0);
    const json = JSON.parse(back.stdout) as { clusters: Record<string, { reachable: boolean; changes: { id: string; action: string }[] }> };
    expect(json.clusters[m1]?.changes.map((change) => change.action)).toEqual(['unchanged', 'unchanged']);
    for (const member of [m2, m3]) {
      expect(json.clusters[member]?.reachable).toBe(true);
      expect(json.clusters[member]?.changes.map((change) => change.action)).toEqual(['created', 'created']);
      expect(dataOf(await live(member, configMapRef(ns, 'settings')))).toEqual({ color: 'blue' });
    }
  });

  it('finishes the other members when one is lost mid-apply, reports it, and converges on the next apply', async () => {
    const s = await kit.scenario('lost');
    const ns = s.namespace;
    const names = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(ns), ...configMaps(ns, names)) });
    const closed = await kubeconfigCopy(lab.kubeconfig, { unreachable: [m2] });
    let lost: LostAfterWrites | undefined;
    try {
      const run = await s.apply({
        client: { retry: { maxAttempts: 1 } },
        connections: (connections) => {
          const real = connections.get(m2);
          if (!real || !('apply' in real)) throw new Error(`${m2}: no client`);
          // The inventory's namespace (its intent is saved before any object), then the Namespace and two
          // ConfigMaps get through; every request after that meets a closed port.
          lost = new LostAfterWrites(real, clientFor(closed.file, m2), 4);
          return new Map([...connections, [m2, lost]]);
        },
      });

      for (const member of [m1, m3]) {
        expect(run.report.clusters[member]?.reachable).toBe(true);
        expect(run.report.clusters[member]?.changes.map((change) => change.action)).toEqual(Array(7).fill('created'));
      }
      const result = run.report.clusters[m2];
      expect(result?.reachable).toBe(false);
      expect(result?.message).toContain('unreachable');
      const created = result?.changes.filter((change) => change.action === 'created').map((change) => change.id) ?? [];
      expect(created).toHaveLength(3);
      expect(created).toContain(`Namespace/${ns}`);
      expect(result?.changes.filter((change) => change.propagation === 'ClusterNotReady')).toHaveLength(4);
    } finally {
      await lost?.close();
      await closed.remove();
    }

    const back = await s.apply();

    const result = back.report.clusters[m2];
    expect(result?.reachable).toBe(true);
    expect(result?.changes.filter((change) => change.action === 'created')).toHaveLength(4);
    expect(result?.changes.filter((change) => change.action === 'unchanged')).toHaveLength(3);
    for (const name of names) expect(await live(m2, configMapRef(ns, name)), name).not.toBeNull();
    expect(await kit.inventoryNames(m2, s.instance)).toHaveLength(7);

    const settled = await s.apply();
    for (const member of members) expect(settled.stats[member], member).toMatchObject({ writes: 0, dryRuns: 0 });
  });
});

/** A client-node client for `cluster` from `kubeconfig`, one attempt per request. */
function clientFor(kubeconfig: string, cluster: string): ClusterClient {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfig);
  kubeConfig.setCurrentContext(cluster);
  return createClientNodeClusterClient({ cluster, kubeConfig, retry: { maxAttempts: 1 } }, { logger: quietLogger });
}

/**
 * A member that goes away mid-apply: requests go to the real member until `writes` persisting applies have been
 * started, and from then on to `gone` (the same member's credentials, at a closed port) — a real connection
 * failure, not a simulated answer.
 */
class LostAfterWrites implements ClusterClient {
  readonly cluster: string;
  readonly #real: ClusterClient;
  readonly #gone: ClusterClient;
  #writesLeft: number;

  constructor(real: ClusterClient, gone: ClusterClient, writes: number) {
    this.cluster = real.cluster;
    this.#real = real;
    this.#gone = gone;
    this.#writesLeft = writes;
  }

  #target(): ClusterClient {
    return this.#writesLeft > 0 ? this.#real : this.#gone;
  }

  apply(object: KubeObject, request?: ApplyRequest): Promise<KubeObject> {
    const target = this.#target();
    if (!request?.dryRun) this.#writesLeft--;
    return target.apply(object, request);
  }
  get(ref: ObjectRef) {
    return this.#target().get(ref);
  }
  list(apiVersion: string, kind: string, request?: ListRequest) {
    return this.#target().list(apiVersion, kind, request);
  }
  create(object: KubeObject) {
    return this.#target().create(object);
  }
  replace(object: KubeObject) {
    return this.#target().replace(object);
  }
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>) {
    return this.#target().mergePatch(ref, patch);
  }
  delete(ref: ObjectRef, options?: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' }) {
    return this.#target().delete(ref, options);
  }
  scopeOf(apiVersion: string, kind: string) {
    return this.#target().scopeOf(apiVersion, kind);
  }
  invalidateDiscovery(): void {
    this.#real.invalidateDiscovery();
    this.#gone.invalidateDiscovery();
  }
  probe() {
    return this.#target().probe();
  }
  stats(): RequestStats {
    return this.#real.stats();
  }
  async close(): Promise<void> {
    await Promise.all([this.#real.close(), this.#gone.close()]);
  }
}

/**
 * `applyAll` against the real lab, the everyday path: create in the selected members only, update through an
 * override, put back a hand edit (drift), prune what left Git, orphan instead of deleting, a second apply that
 * writes nothing, and retainReplicas leaving a scaled Deployment alone.
 *
 * Every test writes its own temporary repository, uses its own namespace and gitfed instance (the inventory is a
 * ConfigMap per instance), and removes both afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  federatedObjectAnnotation,
  instanceAnnotation,
  managedLabel,
  orphanAnnotation,
  retainReplicasAnnotation,
} from '../../src/model/marks.ts';
import {
  applyKit,
  changeOf,
  configMapRef,
  dataOf,
  deploymentRef,
  eventually,
  federatedConfigMap,
  federatedDeployment,
  federatedNamespace,
  replicasOf,
  yamlOf,
} from '../support/e2e-repo.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((member) => member.name);
const [m1, m2, m3] = members as [string, string, string];
const kit = applyKit(lab.kubeconfig, members);
const { scenario, live, mustLive, inventoryNames } = kit;

beforeAll(kit.open);
afterEach(kit.cleanUp);
afterAll(kit.close);

describe('gitfed apply against the lab', () => {
  it('creates objects in the selected members only, labelled kubefed.io/managed and annotated with the instance and the federated object', async () => {
    const s = await scenario('create');
    await s.revision({
      'app.yaml': yamlOf(
        federatedNamespace(s.namespace),
        federatedConfigMap({ name: 'settings', namespace: s.namespace, placement: [m1, m3], data: { color: 'blue' } }),
      ),
    });

    const run = await s.apply();

    const id = `ConfigMap/${s.namespace}/settings`;
    for (const member of [m1, m3]) {
      expect(run.report.clusters[member]?.reachable).toBe(true);
      expect(changeOf(run, member, id)).toEqual({ id, action: 'created', propagation: 'ClusterPropagationOK' });
      expect(changeOf(run, member, `Namespace/${s.namespace}`)).toMatchObject({ action: 'created', propagation: 'ClusterPropagationOK' });
      const object = await mustLive(member, configMapRef(s.namespace, 'settings'));
      expect(object.metadata.labels?.[managedLabel]).toBe('true');
      expect(object.metadata.annotations?.[instanceAnnotation]).toBe(s.instance);
      expect(object.metadata.annotations?.[federatedObjectAnnotation]).toBe(`FederatedConfigMap/${s.namespace}/settings`);
      expect(dataOf(object)).toEqual({ color: 'blue' });
    }
    expect(run.report.clusters[m2]?.changes.map((change) => change.id)).toEqual([`Namespace/${s.namespace}`]);
    expect(await live(m2, configMapRef(s.namespace, 'settings'))).toBeNull();
    expect(await inventoryNames(m1, s.instance)).toEqual([`ConfigMap/settings`, `Namespace/${s.namespace}`]);
    expect(await inventoryNames(m2, s.instance)).toEqual([`Namespace/${s.namespace}`]);
  });

  it('changes only the overridden member when an override changes, naming the field', async () => {
    const s = await scenario('override');
    const revision = (color: string) =>
      s.revision({
        'app.yaml': yamlOf(
          federatedNamespace(s.namespace),
          federatedConfigMap({
            name: 'settings',
            namespace: s.namespace,
            data: { color: 'blue', size: 'M' },
            overrides: { [m2]: [{ path: '/data/color', value: color }] },
          }),
        ),
      });
    await revision('green');
    await s.apply();
    const before = await Promise.all(members.map((member) => mustLive(member, configMapRef(s.namespace, 'settings'))));

    await revision('red');
    const run = await s.apply();

    const id = `ConfigMap/${s.namespace}/settings`;
    expect(changeOf(run, m2, id)).toEqual({ id, action: 'configured', propagation: 'ClusterPropagationOK', fields: ['data.color'] });
    expect(dataOf(await live(m2, configMapRef(s.namespace, 'settings')))).toEqual({ color: 'red', size: 'M' });
    for (const [index, member] of members.entries()) {
      if (member === m2) continue;
      expect(changeOf(run, member, id)).toEqual({ id, action: 'unchanged', propagation: 'ClusterPropagationOK' });
      const after = await mustLive(member, configMapRef(s.namespace, 'settings'));
      expect(after.metadata.resourceVersion).toBe(before[index]?.metadata.resourceVersion);
      expect(dataOf(after)).toEqual({ color: 'blue', size: 'M' });
    }
  });

  it('puts back a hand edit on a member at the next apply and reports it as drift with the field', async () => {
    const s = await scenario('drift');
    await s.revision({
      'app.yaml': yamlOf(
        federatedNamespace(s.namespace),
        federatedConfigMap({ name: 'settings', namespace: s.namespace, data: { color: 'blue' } }),
        federatedDeployment({ name: 'web', namespace: s.namespace, replicas: 2 }),
      ),
    });
    await s.apply();

    // Someone edits member1 by hand, as another field manager (plain merge patches, not server-side apply).
    const hand = kit.observer.get(m1);
    await hand.mergePatch(configMapRef(s.namespace, 'settings'), { data: { color: 'hand-edited' } });
    await hand.mergePatch(deploymentRef(s.namespace, 'web'), { spec: { replicas: 4 } });
    expect(dataOf(await live(m1, configMapRef(s.namespace, 'settings')))).toEqual({ color: 'hand-edited' });

    const run = await s.apply();

    const configMap = `ConfigMap/${s.namespace}/settings`;
    const deployment = `Deployment/${s.namespace}/web`;
    expect(changeOf(run, m1, configMap)).toEqual({
      id: configMap,
      action: 'configured',
      propagation: 'ClusterPropagationOK',
      fields: ['data.color'],
      drift: true,
    });
    expect(changeOf(run, m1, deployment)).toMatchObject({ action: 'configured', propagation: 'ClusterPropagationOK', drift: true });
    expect(changeOf(run, m1, deployment)?.fields).toContain('spec.replicas');
    expect(dataOf(await live(m1, configMapRef(s.namespace, 'settings')))).toEqual({ color: 'blue' });
    expect(replicasOf(await live(m1, deploymentRef(s.namespace, 'web')))).toBe(2);
    for (const member of [m2, m3]) {
      expect(changeOf(run, member, configMap)?.action).toBe('unchanged');
      expect(changeOf(run, member, deployment)?.action).toBe('unchanged');
    }

    // Put back means settled: the apply after that sees nothing to do.
    const again = await s.apply();
    expect(again.report.clusters[m1]?.changes.every((change) => change.action === 'unchanged')).toBe(true);
  });

  it('reports a hand edit as UpdateFailed and leaves it when the conflict policy is fail', async () => {
    const s = await scenario('conflict');
    await s.revision({
      'app.yaml': yamlOf(federatedNamespace(s.namespace), federatedConfigMap({ name: 'settings', namespace: s.namespace, placement: [m1], data: { color: 'blue' } })),
    });
    await s.apply();
    await kit.observer.get(m1).mergePatch(configMapRef(s.namespace, 'settings'), { data: { color: 'hand-edited' } });

    const run = await s.apply({ conflicts: 'fail' });

    const id = `ConfigMap/${s.namespace}/settings`;
    expect(changeOf(run, m1, id)).toMatchObject({ id, action: 'skipped', propagation: 'UpdateFailed', message: expect.stringMatching(/conflict/i) });
    expect(dataOf(await live(m1, configMapRef(s.namespace, 'settings')))).toEqual({ color: 'hand-edited' });
    // Not forgotten: the default policy takes the field back later.
    expect(await inventoryNames(m1, s.instance)).toContain('ConfigMap/settings');
    const forced = await s.apply();
    expect(changeOf(forced, m1, id)).toMatchObject({ action: 'configured', drift: true, fields: ['data.color'] });
  });

  it('persists nothing in dry-run mode but reports what a real apply then does', async () => {
    const s = await scenario('dry-run');
    const ns = s.namespace;
    const cm = (name: string, value: string) => federatedConfigMap({ name, namespace: ns, placement: [m1], data: { value } });
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(ns, [m1]), cm('changed', 'v1'), cm('dropped', 'v1')) });
    await s.apply();
    const before = await Promise.all(['changed', 'dropped'].map((name) => mustLive(m1, configMapRef(ns, name))));
    const inventoryBefore = await inventoryNames(m1, s.instance);
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(ns, [m1]), cm('changed', 'v2'), cm('added', 'v1')) });

    const dry = await s.apply({ dryRun: true });

    const summary = (run: typeof dry) => run.report.clusters[m1]?.changes.map((change) => `${change.id} ${change.action}`);
    const expected = [`ConfigMap/${ns}/added created`, `ConfigMap/${ns}/changed configured`, `ConfigMap/${ns}/dropped deleted`, `Namespace/${ns} unchanged`];
    expect(summary(dry)).toEqual(expected);
    expect(changeOf(dry, m1, `ConfigMap/${ns}/changed`)?.fields).toEqual(['data.value']);
    expect(dry.stats[m1]?.writes).toBe(0);
    expect(await live(m1, configMapRef(ns, 'added'))).toBeNull();
    for (const [index, name] of ['changed', 'dropped'].entries()) {
      expect((await mustLive(m1, configMapRef(ns, name))).metadata.resourceVersion).toBe(before[index]?.metadata.resourceVersion);
    }
    expect(await inventoryNames(m1, s.instance)).toEqual(inventoryBefore);

    const real = await s.apply();
    expect(summary(real)).toEqual(expected);
  });

  it('prunes an object removed from Git from every member and from the inventory', async () => {
    const s = await scenario('prune');
    const keep = federatedConfigMap({ name: 'keep', namespace: s.namespace, data: { a: '1' } });
    const drop = federatedConfigMap({ name: 'drop', namespace: s.namespace, data: { b: '2' } });
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(s.namespace), keep, drop) });
    await s.apply();
    for (const member of members) expect(await live(member, configMapRef(s.namespace, 'drop'))).not.toBeNull();

    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(s.namespace), keep) });
    const run = await s.apply();

    const id = `ConfigMap/${s.namespace}/drop`;
    for (const member of members) {
      expect(changeOf(run, member, id)).toEqual({ id, action: 'deleted', propagation: 'ClusterPropagationOK' });
      expect(await live(member, configMapRef(s.namespace, 'drop'))).toBeNull();
      expect(await live(member, configMapRef(s.namespace, 'keep'))).not.toBeNull();
      expect(await inventoryNames(member, s.instance)).toEqual(['ConfigMap/keep', `Namespace/${s.namespace}`]);
    }
  });

  it('deletes the copy in a member that left the placement and keeps the others', async () => {
    const s = await scenario('placement');
    const settings = (placement: 'all' | string[]) =>
      federatedConfigMap({ name: 'settings', namespace: s.namespace, placement, data: { a: '1' } });
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(s.namespace), settings('all')) });
    await s.apply();

    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(s.namespace), settings([m1])) });
    const run = await s.apply();

    const id = `ConfigMap/${s.namespace}/settings`;
    expect(changeOf(run, m1, id)).toEqual({ id, action: 'unchanged', propagation: 'ClusterPropagationOK' });
    expect(await live(m1, configMapRef(s.namespace, 'settings'))).not.toBeNull();
    for (const member of [m2, m3]) {
      expect(changeOf(run, member, id)).toEqual({ id, action: 'deleted', propagation: 'ClusterPropagationOK' });
      expect(await live(member, configMapRef(s.namespace, 'settings'))).toBeNull();
      expect(await inventoryNames(member, s.instance)).toEqual([`Namespace/${s.namespace}`]);
    }
  });

  it('leaves an orphaned object in the members without gitfed marks when it leaves Git', async () => {
    const s = await scenario('orphan');
    const orphan = federatedConfigMap({
      name: 'kept',
      namespace: s.namespace,
      annotations: { [orphanAnnotation]: 'true' },
      data: { a: '1' },
    });
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(s.namespace), orphan) });
    await s.apply();
    expect((await mustLive(m1, configMapRef(s.namespace, 'kept'))).metadata.annotations?.[orphanAnnotation]).toBe('true');

    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(s.namespace)) });
    const run = await s.apply();

    const id = `ConfigMap/${s.namespace}/kept`;
    for (const member of members) {
      expect(changeOf(run, member, id)).toMatchObject({ id, action: 'deleted', propagation: 'Orphaned' });
      const object = await mustLive(member, configMapRef(s.namespace, 'kept'));
      expect(dataOf(object)).toEqual({ a: '1' });
      expect(object.metadata.labels?.[managedLabel]).toBeUndefined();
      for (const annotation of [instanceAnnotation, federatedObjectAnnotation, orphanAnnotation]) {
        expect(object.metadata.annotations?.[annotation]).toBeUndefined();
      }
      expect(await inventoryNames(member, s.instance)).toEqual([`Namespace/${s.namespace}`]);
    }
  });

  it('makes no write and no dry-run on a second apply of the same revision, and lists each kind at most once', async () => {
    const s = await scenario('noop');
    await s.revision({
      'app.yaml': yamlOf(
        federatedNamespace(s.namespace),
        federatedConfigMap({ name: 'settings', namespace: s.namespace, data: { color: 'blue' }, overrides: { [m3]: [{ path: '/data/color', value: 'red' }] } }),
        federatedDeployment({ name: 'web', namespace: s.namespace, replicas: 1 }),
      ),
      'more.yaml': yamlOf(
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedSecret',
          metadata: { name: 'token', namespace: s.namespace },
          spec: { template: { type: 'Opaque', stringData: { token: 'not-a-real-token' } }, placement: { clusterSelector: {} } },
        },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedService',
          metadata: { name: 'web', namespace: s.namespace },
          spec: {
            template: { spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
            placement: { clusterSelector: {} },
          },
        },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedServiceAccount',
          metadata: { name: 'runner', namespace: s.namespace },
          spec: { template: {}, placement: { clusterSelector: {} } },
        },
      ),
    });
    const first = await s.apply();
    for (const member of members) {
      expect(first.report.clusters[member]?.changes.map((change) => change.action)).toEqual(Array(6).fill('created'));
    }

    // Let the controllers act first (Deployment status, revision annotation, Service endpoints): none of that
    // is a change.
    for (const member of members) {
      await eventually(`${member}: Deployment web available`, async () => {
        const status = (await live(member, deploymentRef(s.namespace, 'web')))?.status as { availableReplicas?: number } | undefined;
        return status?.availableReplicas === 1 ? { done: true } : { state: status };
      });
    }

    const second = await s.apply();

    for (const member of members) {
      const result = second.report.clusters[member];
      expect(result?.reachable).toBe(true);
      expect(result?.changes.map((change) => `${change.id} ${change.action}`)).toEqual(
        first.report.clusters[member]?.changes.map((change) => `${change.id} unchanged`),
      );
      const stats = second.stats[member];
      const kinds = new Set(second.rendered.clusters[member]?.map((object) => `${object.apiVersion}/${object.kind}`)).size;
      expect(stats, member).toMatchObject({ writes: 0, dryRuns: 0 });
      // One list per kind, plus the GET of the inventory ConfigMap; no GET per object.
      expect(stats?.reads, member).toBeLessThanOrEqual(kinds + 1);
    }
  });

  it('keeps the member replicas of a retainReplicas Deployment that was scaled in the member, and reports no change', async () => {
    const s = await scenario('retain');
    const revision = (image: string) =>
      s.revision({
        'app.yaml': yamlOf(
          federatedNamespace(s.namespace),
          federatedDeployment({ name: 'web', namespace: s.namespace, placement: [m1], replicas: 2, retainReplicas: true, image }),
        ),
      });
    await revision('registry.example.com/e2e/app:1.0.0');
    const created = await s.apply();
    const id = `Deployment/${s.namespace}/web`;
    expect(changeOf(created, m1, id)).toMatchObject({ action: 'created', propagation: 'ClusterPropagationOK' });
    const initial = await mustLive(m1, deploymentRef(s.namespace, 'web'));
    expect(replicasOf(initial)).toBe(2);
    expect(initial.metadata.annotations?.[retainReplicasAnnotation]).toBe('true');

    // An HPA scales it: an update of spec.replicas by another field manager.
    await kit.observer.get(m1).mergePatch(deploymentRef(s.namespace, 'web'), { spec: { replicas: 5 } });

    const same = await s.apply();
    expect(changeOf(same, m1, id)).toEqual({ id, action: 'unchanged', propagation: 'ClusterPropagationOK' });
    expect(replicasOf(await live(m1, deploymentRef(s.namespace, 'web')))).toBe(5);

    // A change in Git is applied, and still leaves the member's replicas alone.
    await revision('registry.example.com/e2e/app:1.1.0');
    const changed = await s.apply();
    expect(changeOf(changed, m1, id)).toMatchObject({ action: 'configured', fields: ['spec.template.spec.containers[0].image'] });
    const after = await mustLive(m1, deploymentRef(s.namespace, 'web'));
    expect(replicasOf(after)).toBe(5);
    expect((after.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image).toBe(
      'registry.example.com/e2e/app:1.1.0',
    );
  });

  it('keeps the member replicas when retainReplicas is turned on for a Deployment gitfed already manages', async () => {
    const s = await scenario('retain-later');
    const revision = (retainReplicas: boolean) =>
      s.revision({
        'app.yaml': yamlOf(
          federatedNamespace(s.namespace),
          federatedDeployment({ name: 'web', namespace: s.namespace, placement: [m1], replicas: 3, retainReplicas }),
        ),
      });
    await revision(false);
    await s.apply();
    expect(replicasOf(await live(m1, deploymentRef(s.namespace, 'web')))).toBe(3);

    await revision(true);
    const id = `Deployment/${s.namespace}/web`;
    const preview = await s.apply({ dryRun: true });
    expect(changeOf(preview, m1, id)).toMatchObject({ action: 'configured', fields: [`metadata.annotations.${retainReplicasAnnotation}`] });

    const run = await s.apply();

    expect(changeOf(run, m1, id)).toEqual({
      id,
      action: 'configured',
      propagation: 'ClusterPropagationOK',
      fields: [`metadata.annotations.${retainReplicasAnnotation}`],
    });
    expect(replicasOf(await live(m1, deploymentRef(s.namespace, 'web')))).toBe(3);

    // From now on the member owns the count: a scale there survives the next apply.
    await kit.observer.get(m1).mergePatch(deploymentRef(s.namespace, 'web'), { spec: { replicas: 6 } });
    const after = await s.apply();
    expect(changeOf(after, m1, id)).toEqual({ id, action: 'unchanged', propagation: 'ClusterPropagationOK' });
    expect(replicasOf(await live(m1, deploymentRef(s.namespace, 'web')))).toBe(6);
  });
});

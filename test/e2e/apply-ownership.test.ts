/**
 * Ownership against the real lab (gitfed decisions 9 and 10): what gitfed does with member objects it did not
 * create. An unmarked pre-existing object is left alone (AlreadyExists) unless adoption is enabled globally or on
 * the federated object; an object KubeFed left (its managed label, no gitfed instance) is adopted; an object
 * labelled kubefed.io/managed: "false" is never touched.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adoptAnnotation, federatedObjectAnnotation, instanceAnnotation, managedLabel } from '../../src/model/marks.ts';
import type { KubeObject } from '../../src/model/types.ts';
import {
  applyKit,
  changeOf,
  configMapRef,
  dataOf,
  federatedConfigMap,
  federatedNamespace,
  yamlOf,
  type Scenario,
} from '../support/e2e-repo.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((member) => member.name);
const [m1] = members as [string, string, string];
const kit = applyKit(lab.kubeconfig, members);
const { live, mustLive } = kit;

beforeAll(kit.open);
afterEach(kit.cleanUp);
afterAll(kit.close);

/** The scenario's namespace exists in member1 (gitfed created it), with a ConfigMap made there by someone else. */
async function withExisting(prefix: string, name: string, labels: Record<string, string> = {}): Promise<{ s: Scenario; before: KubeObject }> {
  const s = await kit.scenario(prefix);
  await s.revision({ 'namespace.yaml': yamlOf(federatedNamespace(s.namespace, [m1])) });
  await s.apply();
  const before = await kit.observer.get(m1).apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: s.namespace, labels: { owner: 'someone-else', ...labels } },
    data: { color: 'theirs', extra: 'kept' },
  });
  return { s, before };
}

function revisionWith(s: Scenario, name: string, annotations?: Record<string, string>): Promise<void> {
  return s.revision({
    'namespace.yaml': yamlOf(federatedNamespace(s.namespace, [m1])),
    'app.yaml': yamlOf(
      federatedConfigMap({ name, namespace: s.namespace, placement: [m1], data: { color: 'ours' }, ...(annotations ? { annotations } : {}) }),
    ),
  });
}

describe('gitfed apply and objects it did not create', () => {
  it('leaves a pre-existing unmarked object alone (AlreadyExists) and adopts it only when adopt is enabled', async () => {
    const { s, before } = await withExisting('adopt', 'settings');
    await revisionWith(s, 'settings');
    const id = `ConfigMap/${s.namespace}/settings`;

    const skipped = await s.apply();

    expect(changeOf(skipped, m1, id)).toMatchObject({ id, action: 'skipped', propagation: 'AlreadyExists' });
    const untouched = await mustLive(m1, configMapRef(s.namespace, 'settings'));
    expect(untouched.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(untouched.metadata.annotations?.[instanceAnnotation]).toBeUndefined();
    expect(await kit.inventoryNames(m1, s.instance)).toEqual([`Namespace/${s.namespace}`]);

    const adopted = await s.apply({ adopt: true });

    expect(changeOf(adopted, m1, id)).toMatchObject({ id, action: 'configured', propagation: 'ClusterPropagationOK' });
    expect(changeOf(adopted, m1, id)?.fields).toContain('data.color');
    expect(changeOf(adopted, m1, id)?.drift).toBeUndefined();
    const object = await mustLive(m1, configMapRef(s.namespace, 'settings'));
    expect(object.metadata.labels?.[managedLabel]).toBe('true');
    expect(object.metadata.annotations?.[instanceAnnotation]).toBe(s.instance);
    expect(object.metadata.annotations?.[federatedObjectAnnotation]).toBe(`FederatedConfigMap/${s.namespace}/settings`);
    expect(dataOf(object)).toEqual({ color: 'ours', extra: 'kept' });
    expect(await kit.inventoryNames(m1, s.instance)).toEqual(['ConfigMap/settings', `Namespace/${s.namespace}`]);

    // Once adopted it is gitfed's: the next apply, without adopt, leaves it as it is.
    const after = await s.apply();
    expect(changeOf(after, m1, id)).toEqual({ id, action: 'unchanged', propagation: 'ClusterPropagationOK' });
  });

  it('adopts a pre-existing object when the federated object says gitfed.io/adopt: "true"', async () => {
    const { s } = await withExisting('adopt-annotation', 'settings');
    await revisionWith(s, 'settings', { [adoptAnnotation]: 'true' });

    const run = await s.apply();

    const id = `ConfigMap/${s.namespace}/settings`;
    expect(changeOf(run, m1, id)).toMatchObject({ id, action: 'configured', propagation: 'ClusterPropagationOK' });
    const object = await mustLive(m1, configMapRef(s.namespace, 'settings'));
    expect(object.metadata.annotations?.[instanceAnnotation]).toBe(s.instance);
    expect(dataOf(object)?.color).toBe('ours');
  });

  it('adopts an object KubeFed left (kubefed.io/managed: "true" without a gitfed instance) by default', async () => {
    const { s } = await withExisting('adopt-kubefed', 'settings', { [managedLabel]: 'true' });
    await revisionWith(s, 'settings');

    const run = await s.apply();

    const id = `ConfigMap/${s.namespace}/settings`;
    expect(changeOf(run, m1, id)).toMatchObject({ id, action: 'configured', propagation: 'ClusterPropagationOK' });
    const object = await mustLive(m1, configMapRef(s.namespace, 'settings'));
    expect(object.metadata.annotations?.[instanceAnnotation]).toBe(s.instance);
    expect(dataOf(object)?.color).toBe('ours');
  });

  it('never touches an object labelled kubefed.io/managed: "false", even with adopt', async () => {
    const { s, before } = await withExisting('hands-off', 'settings', { [managedLabel]: 'false' });
    await revisionWith(s, 'settings', { [adoptAnnotation]: 'true' });

    const run = await s.apply({ adopt: true });

    const id = `ConfigMap/${s.namespace}/settings`;
    expect(changeOf(run, m1, id)).toMatchObject({ id, action: 'skipped', propagation: 'ManagedLabelFalse' });
    const object = await mustLive(m1, configMapRef(s.namespace, 'settings'));
    expect(object.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(dataOf(object)).toEqual({ color: 'theirs', extra: 'kept' });
  });

  it('stops touching an object of its own once someone labels it kubefed.io/managed: "false", and never deletes it', async () => {
    const s = await kit.scenario('hands-off-later');
    await revisionWith(s, 'settings');
    await s.apply();
    await kit.observer.get(m1).mergePatch(configMapRef(s.namespace, 'settings'), { metadata: { labels: { [managedLabel]: 'false' } } });
    const before = await mustLive(m1, configMapRef(s.namespace, 'settings'));

    // Git changes it: not applied.
    await s.revision({
      'namespace.yaml': yamlOf(federatedNamespace(s.namespace, [m1])),
      'app.yaml': yamlOf(federatedConfigMap({ name: 'settings', namespace: s.namespace, placement: [m1], data: { color: 'new' } })),
    });
    const changed = await s.apply({ adopt: true });
    const id = `ConfigMap/${s.namespace}/settings`;
    expect(changeOf(changed, m1, id)).toMatchObject({ action: 'skipped', propagation: 'ManagedLabelFalse' });
    expect((await mustLive(m1, configMapRef(s.namespace, 'settings'))).metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    // Git drops it: not deleted.
    await s.revision({ 'namespace.yaml': yamlOf(federatedNamespace(s.namespace, [m1])) });
    const dropped = await s.apply();
    expect(changeOf(dropped, m1, id)?.action).not.toBe('deleted');
    const object = await live(m1, configMapRef(s.namespace, 'settings'));
    expect(object?.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });
});

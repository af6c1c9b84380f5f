import { describe, expect, it } from 'vitest';
import { error } from '../../../src/model/diagnostic.ts';
import { identityOf, objectKey } from '../../../src/model/identity.ts';
import type { KubeObject } from '../../../src/model/types.ts';
import { decideMember, previewsNeeded, type MemberObservation, type MemberPolicy, type Preview } from '../../../src/plan/decide-member.ts';
import { defaultDeletionGuard } from '../../../src/plan/deletion-guard.ts';
import { heldObjects } from '../../../src/plan/held-objects.ts';
import { hashObject, versionOf, type InventoryEntry } from '../../../src/plan/inventory.ts';

const policy: MemberPolicy = { instance: 'gitfed', adopt: false, conflicts: 'force', deletionGuard: defaultDeletionGuard, allowMassDeletion: false };
const marks = { labels: { 'kubefed.io/managed': 'true' }, annotations: { 'gitfed.io/instance': 'gitfed', 'gitfed.io/federated-object': 'FederatedConfigMap/shop/x' } };

function configMap(name: string, data: Record<string, string> = { k: 'v' }, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', ...structuredClone(marks), ...extra }, data };
}

function live(object: KubeObject, resourceVersion = '10', extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { ...structuredClone(object), metadata: { ...structuredClone(object.metadata), resourceVersion, ...extra } };
}

function recordOf(object: KubeObject, version: string, extra: Partial<InventoryEntry> = {}): InventoryEntry {
  const identity = identityOf(object);
  return { ...identity, key: objectKey(identity), hash: hashObject(object), version, ...extra };
}

function observe(parts: { live?: KubeObject[]; inventory?: InventoryEntry[]; previews?: [KubeObject, Preview][]; served?: string[] }): MemberObservation {
  return {
    served: new Set(parts.served ?? ['v1/ConfigMap', 'v1/Namespace', 'apps/v1/Deployment']),
    live: new Map((parts.live ?? []).map((object) => [objectKey(identityOf(object)), object])),
    inventory: { entries: parts.inventory ?? [] },
    previews: new Map((parts.previews ?? []).map(([object, preview]) => [objectKey(identityOf(object)), preview])),
  };
}

function decide(objects: KubeObject[], observation: MemberObservation, overrides: Partial<MemberPolicy> = {}, diagnostics = [] as ReturnType<typeof error>[]) {
  return decideMember({ cluster: 'm1', objects, held: heldObjects({ diagnostics }) }, observation, { ...policy, ...overrides });
}

describe('decide: desired objects', () => {
  it('creates what is absent and records it as an intent before any write', () => {
    const a = configMap('a');
    const decision = decide([a], observe({}));
    expect(decision.objects).toHaveLength(1);
    expect(decision.objects[0]?.change).toMatchObject({ id: 'ConfigMap/shop/a', action: 'created' });
    expect(decision.objects[0]?.write?.mode).toBe('create');
    expect(decision.intent?.entries.map((entry) => [entry.key, entry.version])).toEqual([['/ConfigMap/shop/a', '']]);
  });

  it('does not ask for a dry-run, nor write, when hash, version and marks are as recorded', () => {
    const a = configMap('a');
    const observation = observe({ live: [live(a, '10')], inventory: [recordOf(a, 'rv:10')] });
    expect(previewsNeeded({ cluster: 'm1', objects: [a], held: heldObjects({ diagnostics: [] }) }, observation, policy)).toEqual([]);
    const decision = decide([a], observation);
    expect(decision.objects[0]?.change.action).toBe('unchanged');
    expect(decision.objects[0]?.write).toBeUndefined();
    expect(decision.intent).toBeNull();
  });

  it('asks for a dry-run when the member object changed since gitfed wrote it, and reports drift with the fields', () => {
    const a = configMap('a');
    const edited = live({ ...a, data: { k: 'by hand' } }, '11');
    const observation = observe({ live: [edited], inventory: [recordOf(a, 'rv:10')] });
    expect(previewsNeeded({ cluster: 'm1', objects: [a], held: heldObjects({ diagnostics: [] }) }, observation, policy)).toEqual([a]);
    const decision = decide([a], { ...observation, previews: new Map([[objectKey(identityOf(a)), { object: live(a, '11') }]]) });
    expect(decision.objects[0]?.change).toMatchObject({ action: 'configured', drift: true, fields: ['data.k'] });
    expect(decision.objects[0]?.write?.mode).toBe('configure');
  });

  it('refreshes the record without a write when the dry-run shows no difference', () => {
    const a = configMap('a');
    const decision = decide([a], observe({ live: [live(a, '12')], inventory: [recordOf(a, 'rv:10')], previews: [[a, { object: live(a, '12') }]] }));
    expect(decision.objects[0]?.change.action).toBe('unchanged');
    expect(decision.objects[0]?.write).toBeUndefined();
    expect(decision.objects[0]?.record?.version).toBe('rv:12');
  });

  it('keeps the record and reports UpdateFailed when the dry-run was refused', () => {
    const a = configMap('a');
    const recorded = recordOf(a, 'rv:10');
    const decision = decide([{ ...a, data: { k: 'new' } }], observe({ live: [live(a, '10')], inventory: [recorded], previews: [[a, { failed: 'spec is invalid' }]] }));
    expect(decision.objects[0]?.change).toMatchObject({ action: 'skipped', propagation: 'UpdateFailed', message: 'spec is invalid' });
    expect(decision.objects[0]?.record).toEqual(recorded);
  });

  it('never touches an object labelled kubefed.io/managed=false', () => {
    const a = configMap('a');
    const decision = decide([a], observe({ live: [live(a, '10', { labels: { 'kubefed.io/managed': 'false' } })], inventory: [recordOf(a, 'rv:10')] }));
    expect(decision.objects[0]?.change.propagation).toBe('ManagedLabelFalse');
    expect(decision.objects[0]?.write).toBeUndefined();
  });

  it('leaves an unmarked pre-existing object alone unless adoption is allowed, and adopts KubeFed leftovers', () => {
    const a = configMap('a');
    const unmarked = live(a, '10', { labels: {}, annotations: {} });
    expect(decide([a], observe({ live: [unmarked] })).objects[0]?.change.propagation).toBe('AlreadyExists');
    const adopted = decide([a], observe({ live: [unmarked], previews: [[a, { object: live(a, '11') }]] }), { adopt: true });
    expect(adopted.objects[0]?.change).toMatchObject({ action: 'configured', message: expect.stringContaining('adopted') });
    expect(adopted.intent?.entries.map((entry) => entry.key)).toEqual(['/ConfigMap/shop/a']);
    const kubefed = live(a, '10', { labels: { 'kubefed.io/managed': 'true' }, annotations: {} });
    expect(previewsNeeded({ cluster: 'm1', objects: [a], held: heldObjects({ diagnostics: [] }) }, observe({ live: [kubefed] }), policy)).toEqual([a]);
  });

  it("refuses another gitfed instance's object", () => {
    const a = configMap('a');
    const decision = decide([a], observe({ live: [live(a, '10', { annotations: { 'gitfed.io/instance': 'other' } })] }));
    expect(decision.objects[0]?.change).toMatchObject({ propagation: 'AlreadyExists', message: 'managed by gitfed instance "other"' });
  });

  it('skips kinds the member does not serve, except those a CRD of the same pass defines', () => {
    const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop', ...marks } };
    expect(decide([widget], observe({})).objects[0]?.change.propagation).toBe('TypeNotServed');
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com', ...marks },
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
    };
    const decision = decide([crd, widget], observe({ served: ['apiextensions.k8s.io/v1/CustomResourceDefinition'] }));
    expect(decision.objects.map((entry) => entry.change.action)).toEqual(['created', 'created']);
  });

  it('with retainReplicas, creates the whole object and hands the count over; later applies leave spec.replicas out', () => {
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', labels: marks.labels, annotations: { ...marks.annotations, 'gitfed.io/retain-replicas': 'true' } },
      spec: { replicas: 3, selector: {} },
    };
    const created = decide([deployment], observe({})).objects[0]?.write;
    expect(created).toMatchObject({ mode: 'create', replicas: { count: 3 } });
    expect((created?.body.spec as { replicas?: number }).replicas).toBe(3);
    const scaled = live({ ...deployment, spec: { replicas: 7, selector: {} } }, '20', { generation: 2 });
    const changed = { ...deployment, spec: { replicas: 3, selector: { matchLabels: { a: 'b' } } } };
    const decision = decide([changed], observe({ live: [scaled], inventory: [recordOf(deployment, 'gen:1')], previews: [[changed, { object: { ...scaled, spec: { replicas: 7, selector: { matchLabels: { a: 'b' } } } } }]] }));
    expect(decision.objects[0]?.write?.body.spec).toEqual({ selector: { matchLabels: { a: 'b' } } });
    expect(decision.objects[0]?.change.fields).toEqual(['spec.selector.matchLabels']);
  });
});

describe('decide: pruning', () => {
  const kept = [configMap('k1'), configMap('k2'), configMap('k3'), configMap('k4')];
  const inventory = (objects: KubeObject[]) => objects.map((object) => recordOf(object, 'rv:10'));

  it('deletes what left Git, forgets what is already gone, and leaves what lost its marks', () => {
    const gone = configMap('gone');
    const vanished = configMap('vanished');
    const unmarked = configMap('unmarked');
    const observation = observe({
      live: [...kept.map((object) => live(object)), live(gone), live(unmarked, '10', { annotations: {} })],
      inventory: inventory([...kept, gone, vanished, unmarked]),
    });
    const decision = decide(kept, observation);
    expect(decision.prune.length).toBe(3);
    const byId = new Map(decision.prune.map((entry) => [entry.id, entry]));
    expect(byId.get('ConfigMap/shop/gone')).toMatchObject({ action: 'delete', change: { action: 'deleted' } });
    expect(byId.get('ConfigMap/shop/vanished')).toMatchObject({ action: 'forget', change: { message: 'already gone from the member' } });
    expect(byId.get('ConfigMap/shop/unmarked')).toMatchObject({ action: 'forget', change: { propagation: 'NotManaged' } });
  });

  it('unmarks instead of deleting an object whose last version asked to be orphaned', () => {
    const orphan = configMap('orphan');
    const decision = decide(kept, observe({ live: [...kept.map((o) => live(o)), live(orphan)], inventory: [...inventory(kept), recordOf(orphan, 'rv:10', { orphan: true })] }));
    expect(decision.prune).toHaveLength(1);
    expect(decision.prune[0]).toMatchObject({ action: 'unmark', change: { propagation: 'Orphaned' } });
  });

  it('holds every deletion when an apply would delete more than half of what it manages', () => {
    const doomed = [configMap('d1'), configMap('d2'), configMap('d3')];
    const observation = observe({ live: [kept[0]!, ...doomed].map((o) => live(o)), inventory: inventory([kept[0]!, ...doomed]) });
    const guarded = decide([kept[0]!], observation);
    expect(guarded.prune).toHaveLength(3);
    expect(guarded.prune.every((entry) => entry.action === 'keep' && entry.change.propagation === 'DeletionGuarded')).toBe(true);
    expect(decide([kept[0]!], observation, { allowMassDeletion: true }).prune.every((entry) => entry.action === 'delete')).toBe(true);
  });

  it('keeps held objects (render errors there, disabled types) out of pruning, with their records', () => {
    const broken = configMap('broken');
    const decision = decide(kept, observe({ live: [...kept, broken].map((o) => live(o)), inventory: inventory([...kept, broken]) }), {}, [
      error('ApplyOverridesFailed', 'bad path', { cluster: 'm1', resource: 'ConfigMap/shop/broken' }),
    ]);
    expect(decision.prune).toEqual([]);
    expect(decision.kept.map((entry) => entry.name)).toEqual(['broken']);
  });

  it('deletes dependents before what they depend on', () => {
    const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', ...marks } };
    const decision = decide([], observe({ live: [live(namespace), live(kept[0]!)], inventory: inventory([namespace, kept[0]!]) }), { allowMassDeletion: true });
    expect(decision.prune.map((entry) => entry.entry.kind)).toEqual(['ConfigMap', 'Namespace']);
  });

  it('is deterministic: the same inputs give the same decision', () => {
    const observation = observe({ live: kept.map((o) => live(o, '10')), inventory: inventory(kept) });
    expect(decide(kept, observation)).toEqual(decide(kept, observation));
    expect(versionOf(live(kept[0]!, '10'))).toBe('rv:10');
  });
});

import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/model/load-model.ts';
import { render } from '../../../src/render/render.ts';
import { composeHeld, governedDigest, governedIds, governedMemberIds, summarizeHealth } from '../../../src/rollout/governed-objects.ts';

const repo = (image: string, note: string) => ({
  'cluster.yaml': 'apiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\nmetadata: {name: member1}\n',
  'rollout.yaml': `apiVersion: gitfed.io/v1alpha1
kind: Rollout
metadata: {name: staged}
spec:
  selector: {matchLabels: {rollout: staged}}
  stages:
  - {name: one, clusters: [member1]}
`,
  'web.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: web, namespace: shop, labels: {rollout: staged}}
spec:
  placement: {clusters: [{name: member1}]}
  template:
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: ${image}}]}
`,
  'ns.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: shop, namespace: shop}
spec:
  placement: {clusters: [{name: member1}]}
`,
  'note.yaml': `apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: note, namespace: shop}
spec:
  placement: {clusters: [{name: member1}]}
  template: {data: {note: ${note}}}
`,
});

function build(image: string, note: string) {
  const model = loadModel({ revision: null, files: new Map(Object.entries(repo(image, note))), diagnostics: [] });
  expect(model.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const objects = render(model).clusters.member1!;
  expect(objects.length).toBe(3);
  const ids = governedIds(model, model.rollout!);
  return { ids, objects };
}

describe('governed objects', () => {
  it('governs only the objects the selector matches', () => {
    expect([...build('web:1', 'a').ids]).toEqual(['FederatedDeployment/shop/web']);
  });

  it('changes the digest when a governed object changes, not when another one does', () => {
    const base = build('web:1', 'a');
    const digest = governedDigest(base.objects, base.ids);
    expect(governedDigest(build('web:1', 'b').objects, base.ids)).toBe(digest);
    expect(governedDigest(build('web:2', 'a').objects, base.ids)).not.toBe(digest);
  });

  it('gives a held member the governed objects of its revision and the rest of the newest', () => {
    const held = build('web:1', 'a');
    const newest = build('web:2', 'b');
    const composed = composeHeld(newest.objects, held.objects, newest.ids);
    expect(composed.length).toBeGreaterThan(0);
    const deployment = composed.find((object) => object.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(deployment.spec.template.spec.containers[0]!.image).toBe('web:1');
    const note = composed.find((object) => object.kind === 'ConfigMap') as unknown as { data: { note: string } };
    expect(note.data.note).toBe('b');
  });

  it('sums up health over the governed objects only: Failed first, then not Current', () => {
    const { ids, objects } = build('web:1', 'a');
    const governed = governedMemberIds(objects, ids);
    expect([...governed]).toEqual(['Deployment/shop/web']);
    const statuses = [
      { id: 'Deployment/shop/web', health: { status: 'Failed' as const } },
      { id: 'ConfigMap/shop/note', health: { status: 'InProgress' as const } },
    ];
    expect(summarizeHealth('d', statuses, governed)).toEqual({ digest: 'd', status: 'Failed', failing: ['Deployment/shop/web'] });
    expect(summarizeHealth('d', [{ id: 'Deployment/shop/web', health: { status: 'InProgress' as const } }], governed).status).toBe('InProgress');
    expect(summarizeHealth('d', [statuses[1]!], governed)).toEqual({ digest: 'd', status: 'Current', failing: [] });
  });
});

/**
 * A ReplicaSchedulingPreference against the real lab: the planner's split is applied per member, and each
 * member's Deployment really becomes available with its share (kube-controller-manager + kube-scheduler + kwok
 * run the pods), read back through readLiveStatus and directly from status.availableReplicas.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readLiveStatus, type MemberStatus } from '../../src/apply/live-status.ts';
import { closeMembers, connectMembers } from '../../src/cluster/connect-members.ts';
import {
  applyKit,
  changeOf,
  deploymentRef,
  eventually,
  federatedDeployment,
  federatedNamespace,
  quietLogger,
  replicaSchedulingPreference,
  replicasOf,
  yamlOf,
} from '../support/e2e-repo.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((member) => member.name);
const [m1, m2, m3] = members as [string, string, string];
const kit = applyKit(lab.kubeconfig, members);

beforeAll(kit.open);
afterEach(kit.cleanUp);
afterAll(kit.close);

describe('replica scheduling', () => {
  it('splits replicas across the members by the preference, and every member Deployment becomes available with its share', async () => {
    const s = await kit.scenario('rsp');
    const ns = s.namespace;
    await s.revision({
      'app.yaml': yamlOf(
        federatedNamespace(ns),
        federatedDeployment({ name: 'api', namespace: ns, replicas: 1 }),
        replicaSchedulingPreference({ name: 'api', namespace: ns, totalReplicas: 6, clusters: { [m1]: { weight: 2 }, '*': { weight: 1 } } }),
      ),
    });

    const run = await s.apply();

    // KubeFed's planner: 6 by weights 2:1:1 gives member1 3, and the other two 2 and 1 (FNV-1 tie-break).
    const split = run.rendered.replicas[0]?.clusters ?? {};
    expect(split[m1]).toBe(3);
    expect([split[m2], split[m3]].sort()).toEqual([1, 2]);
    const id = `Deployment/${ns}/api`;
    for (const member of members) {
      expect(changeOf(run, member, id)).toMatchObject({ action: 'created', propagation: 'ClusterPropagationOK' });
      expect(replicasOf(await kit.live(member, deploymentRef(ns, 'api')))).toBe(split[member]);
    }

    const connections = await connectMembers(members, { kubeconfig: lab.kubeconfig }, { logger: quietLogger });
    try {
      const status = await eventually<Record<string, MemberStatus>>('every member Deployment Current with its share available', async () => {
        const read = await readLiveStatus(run.rendered, connections, { instance: s.instance, now: new Date().toISOString() });
        const shares = members.map((member) => read[member]?.objects.find((object) => object.id === id));
        const done = shares.every(
          (object, index) => object?.health.status === 'Current' && object.health.replicas?.available === split[members[index] ?? ''],
        );
        return done ? { done: read } : { state: shares.map((object) => object?.health) };
      }, { timeoutMs: 120_000 });
      for (const member of members) {
        expect(status[member]?.objects.find((object) => object.id === id)).toMatchObject({ propagation: 'ClusterPropagationOK' });
        const live = await kit.mustLive(member, deploymentRef(ns, 'api'));
        expect((live.status as { availableReplicas?: number }).availableReplicas, member).toBe(split[member]);
      }
    } finally {
      await closeMembers(connections);
    }
  });
});

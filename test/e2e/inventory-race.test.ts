/**
 * Two replicas that briefly both believe they own a member (one has not yet seen the other's Lease) write to it
 * in the same moment, on a real kube-apiserver: both observe the empty inventory, then each writes what it
 * rendered. The inventory's conditional write refuses the second writer's stale save; it rebases on the first
 * one's records and saves again, so the member's inventory names every object either of them created and the
 * owner's next pass prunes exactly what it no longer renders: nothing created in the race is forgotten.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { observeMembers, pruneMembers, writeMembers, type ApplyOptions } from '../../src/apply/apply-all.ts';
import { closeMembers, connectMembers } from '../../src/cluster/connect-members.ts';
import { defaultDeletionGuard } from '../../src/plan/deletion-guard.ts';
import { modelOf, renderFiles } from '../support/repo.ts';
import { applyKit, configMapRef, federatedConfigMap, federatedNamespace, kubeFedClusters, quietLogger, yamlOf } from '../support/e2e-repo.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const member = lab.members[0]!.name;
const kit = applyKit(lab.kubeconfig, [member]);
beforeAll(() => kit.open());
afterEach(() => kit.cleanUp());
afterAll(() => kit.close());

const names = (prefix: string) => Array.from({ length: 12 }, (_, i) => `${prefix}${i}`);

describe('two writers racing on one member inventory', () => {
  it('the refused save is rebased and retried: every object of both writers is inventoried, and the owner prunes the other\'s later', async () => {
    const s = await kit.scenario('inventory-race');
    const files = (prefix: string) => ({
      'clusters.yaml': kubeFedClusters([member]),
      'namespace.yaml': yamlOf(federatedNamespace(s.namespace)),
      'settings.yaml': yamlOf(...names(prefix).map((name) => federatedConfigMap({ name, namespace: s.namespace, data: { from: prefix } }))),
    });
    const [mine, theirs] = [renderFiles(files('a'), { instance: s.instance }), renderFiles(files('b'), { instance: s.instance })];
    const { clusters } = modelOf(files('a'));
    const options: ApplyOptions = { instance: s.instance, dryRun: false, adopt: false, conflicts: 'force', deletionGuard: defaultDeletionGuard, allowMassDeletion: false };
    const [connectionsA, connectionsB] = await Promise.all([1, 2].map(() => connectMembers([member], { kubeconfig: lab.kubeconfig }, { logger: quietLogger })));
    try {
      // Both read the member before either writes: neither knows what the other is about to create.
      const [observedA, observedB] = await Promise.all([observeMembers(mine, clusters, connectionsA!, options), observeMembers(theirs, clusters, connectionsB!, options)]);
      const writtenA = await writeMembers(observedA);
      const writtenB = await writeMembers(observedB); // its intent save is refused (the index exists now) and rebased
      const [reportA, reportB] = await Promise.all([pruneMembers(null, writtenA), pruneMembers(null, writtenB)]);
      for (const report of [reportA, reportB]) expect(report.clusters[member]!.failures ?? []).toEqual([]);

      const inventoried = await kit.inventoryNames(member, s.instance);
      expect(inventoried.length).toBeGreaterThan(0);
      for (const name of [...names('a'), ...names('b')]) expect(inventoried, name).toContain(`ConfigMap/${name}`);
      expect(inventoried).toContain(`Namespace/${s.namespace}`);

      // The owner's next pass renders only its own objects: the other writer's are pruned, none of its own.
      const next = await pruneMembers(null, await writeMembers(await observeMembers(mine, clusters, connectionsA!, options)));
      const deleted = next.clusters[member]!.changes.filter((change) => change.action === 'deleted').map((change) => change.id);
      expect(deleted.length).toBe(names('b').length);
      for (const name of names('b')) expect(await kit.live(member, configMapRef(s.namespace, name)), name).toBeNull();
      for (const name of names('a')) expect(await kit.live(member, configMapRef(s.namespace, name)), name).not.toBeNull();
    } finally {
      await Promise.all([connectionsA, connectionsB].map((connections) => (connections ? closeMembers(connections) : undefined)));
    }
  });
});

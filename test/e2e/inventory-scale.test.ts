/**
 * The inventory at scale, the case that used to leak: 9,003 federated objects on one member exceed what one
 * ConfigMap holds in the first inventory format. Now they apply with exit 0, a second apply writes nothing, and
 * removing the file that holds 3,001 of them deletes exactly those (plus their namespace), checked in the member.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inventoryNamespace } from '../../src/plan/inventory.ts';
import { runCli } from '../support/run-cli.ts';
import { applyKit, eventually, federatedConfigMap, federatedNamespace, yamlOf } from '../support/e2e-repo.ts';
import { objectApiFor, uniqueName, useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((member) => member.name);
const [m1] = members as [string];
const kit = applyKit(lab.kubeconfig, members);

beforeAll(() => kit.open());
afterEach(() => kit.cleanUp());
afterAll(() => kit.close());

/** FederatedConfigMaps `from` … `to - 1` in the namespace (plus its FederatedNamespace when asked), on member1 only. */
function configMapFile(namespace: string, from: number, to: number, withNamespace = false): string {
  const maps = Array.from({ length: to - from }, (_, offset) =>
    federatedConfigMap({ name: `config-${String(from + offset).padStart(5, '0')}`, namespace, placement: [m1], data: { index: String(from + offset) } }),
  );
  return yamlOf(...(withNamespace ? [federatedNamespace(namespace, [m1])] : []), ...maps);
}

/** 1 + 6,000 objects in three files (a file may hold at most 1 MiB). */
function kept(namespace: string): Record<string, string> {
  return {
    'keep/a.yaml': configMapFile(namespace, 0, 2_000, true),
    'keep/b.yaml': configMapFile(namespace, 2_000, 4_000),
    'keep/c.yaml': configMapFile(namespace, 4_000, 6_000),
  };
}

async function configMapNames(namespace: string): Promise<string[]> {
  const api = objectApiFor(lab, m1, 60_000);
  const list = await api.list('v1', 'ConfigMap', namespace);
  return list.items.map((item) => item.metadata?.name ?? '').filter((name) => name.startsWith('config-'));
}

describe('an inventory of 9,003 objects on one member', () => {
  it('applies with exit 0, re-applies with no write, and prunes exactly the 3,001 objects of a removed file and their namespace', async () => {
    const s = await kit.scenario('scale');
    const gone = uniqueName('e2e-scale-gone');
    // 1 + 6,000 kept and 1 + 3,001 in the one file that goes: 9,003 federated objects.
    await s.revision({ ...kept(s.namespace), 'gone.yaml': configMapFile(gone, 0, 3_001, true) });
    try {
      const first = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '-o', 'json');
      expect(first.code, first.stderr.slice(0, 2000)).toBe(0);
      const json = JSON.parse(first.stdout) as { errors: unknown[]; clusters: Record<string, { changes: { action: string }[]; inventory?: { entries: number; bytes: number } }> };
      expect(json.errors).toEqual([]);
      expect(json.clusters[m1]?.changes.filter((change) => change.action === 'created')).toHaveLength(9_003);
      expect(json.clusters[m1]?.inventory?.entries).toBe(9_003);
      expect((await configMapNames(gone)).length).toBe(3_001);

      // Stored compressed, split over ConfigMaps that each stay far below the 1 MiB object limit.
      const parts = await kit.observer.get(m1).list('v1', 'ConfigMap', { namespace: inventoryNamespace, labelSelector: `gitfed.io/instance=${s.instance}` });
      expect(parts.length).toBeGreaterThan(0);
      for (const part of parts) expect(JSON.stringify(part).length).toBeLessThan(1024 * 1024);

      const again = await s.apply();
      expect(again.report.clusters[m1]?.failures).toBeUndefined();
      expect(again.report.clusters[m1]?.changes.every((change) => change.action === 'unchanged')).toBe(true);
      expect(again.stats[m1]).toMatchObject({ writes: 0, dryRuns: 0 });

      await s.revision(kept(s.namespace));
      const pruned = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '-o', 'json');
      expect(pruned.code, pruned.stderr.slice(0, 2000)).toBe(0);
      const after = JSON.parse(pruned.stdout) as { clusters: Record<string, { changes: { id: string; action: string; propagation: string }[]; inventory?: { entries: number } }> };
      const deleted = after.clusters[m1]?.changes.filter((change) => change.action === 'deleted') ?? [];
      expect(deleted).toHaveLength(3_002);
      expect(deleted.every((change) => change.id.startsWith(`ConfigMap/${gone}/`) || change.id === `Namespace/${gone}`)).toBe(true);
      expect(await configMapNames(gone)).toEqual([]);
      expect((await configMapNames(s.namespace)).length).toBe(6_000);
      // A Namespace finishes its deletion after the answer (WaitingForRemoval): it stays recorded until it is gone.
      const namespaceChange = after.clusters[m1]?.changes.find((change) => change.id === `Namespace/${gone}`);
      expect(after.clusters[m1]?.inventory?.entries).toBe(namespaceChange?.propagation === 'WaitingForRemoval' ? 6_002 : 6_001);
      await eventually(`namespace ${gone} gone from ${m1}`, async () => {
        const namespace = await kit.live(m1, { apiVersion: 'v1', kind: 'Namespace', name: gone });
        return namespace ? { state: namespace.status } : { done: true };
      });
      const settled = await s.apply();
      expect(settled.report.clusters[m1]?.failures).toBeUndefined();
      expect(await kit.inventoryNames(m1, s.instance)).toHaveLength(6_001);
    } finally {
      await objectApiFor(lab, m1).delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: gone } }).catch(() => undefined);
    }
  }, 900_000);
});

/**
 * An inventory that cannot be saved is an error of that member, never a log line: here the member itself
 * refuses the inventory ConfigMap (a ResourceQuota on ConfigMaps in gitfed-system, a real admission refusal).
 * gitfed then writes nothing to that member — what it would create could not be recorded first, and an
 * unrecorded object could never be pruned — reports InventorySaveFailed with exit 1, and applies the other
 * members; once the quota is gone, the next apply converges.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inventoryNamespace } from '../../src/plan/inventory.ts';
import { applyKit, federatedConfigMap, federatedNamespace, yamlOf } from '../support/e2e-repo.ts';
import { runCli } from '../support/run-cli.ts';
import { useLab } from './lab-context.ts';

const lab = useLab();
const members = lab.members.map((member) => member.name);
const [m1, m2] = members as [string, string];
const kit = applyKit(lab.kubeconfig, members);

beforeAll(() => kit.open());
afterEach(() => kit.cleanUp());
afterAll(() => kit.close());

interface ApplyJson {
  errors: { code: string; cluster?: string; message: string }[];
  clusters: Record<string, { reachable: boolean; failures?: { stage: string; message: string }[]; changes: { id: string; action: string; propagation: string }[] }>;
}

describe('an inventory the member refuses to store', () => {
  it('writes nothing to that member, says InventorySaveFailed with exit 1, applies the others, and converges once it can be stored', async () => {
    const s = await kit.scenario('unsaved');
    await s.revision({ 'app.yaml': yamlOf(federatedNamespace(s.namespace), federatedConfigMap({ name: 'settings', namespace: s.namespace, data: { color: 'blue' } })) });
    const admin = kit.observer.get(m1);
    await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: inventoryNamespace } });
    const present = await admin.list('v1', 'ConfigMap', { namespace: inventoryNamespace });
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: `full-${s.instance}`, namespace: inventoryNamespace }, spec: { hard: { configmaps: String(present.length) } } };
    await admin.apply(quota);
    try {
      // The quota controller must have counted what is there before the apiserver enforces it.
      await waitForQuotaUsage(admin, quota.metadata.name);
      const refused = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '-o', 'json');
      expect(refused.code).toBe(1);
      const json = JSON.parse(refused.stdout) as ApplyJson;
      expect(json.clusters[m1]?.failures?.map((failure) => failure.stage)).toEqual(['InventorySaveFailed']);
      expect(json.clusters[m1]?.failures?.[0]?.message).toMatch(/exceeded quota/);
      expect(json.errors.map((e) => [e.code, e.cluster])).toEqual([['InventorySaveFailed', m1]]);
      expect(json.clusters[m1]?.changes.map((change) => change.propagation)).toEqual(['CreationFailed', 'CreationFailed']);
      expect(refused.stderr).toContain(`error InventorySaveFailed ${m1}`);
      expect(await kit.live(m1, { apiVersion: 'v1', kind: 'ConfigMap', namespace: s.namespace, name: 'settings' })).toBeNull();
      expect(await kit.live(m2, { apiVersion: 'v1', kind: 'ConfigMap', namespace: s.namespace, name: 'settings' })).not.toBeNull();
      expect(json.clusters[m2]?.failures).toBeUndefined();
    } finally {
      await admin.delete({ apiVersion: 'v1', kind: 'ResourceQuota', namespace: inventoryNamespace, name: quota.metadata.name });
    }

    const stored = await runCli('apply', '--repo', s.repo.dir, '--kubeconfig', lab.kubeconfig, '--instance', s.instance, '-o', 'json');
    expect(stored.code, stored.stderr).toBe(0);
    expect(await kit.live(m1, { apiVersion: 'v1', kind: 'ConfigMap', namespace: s.namespace, name: 'settings' })).not.toBeNull();
    expect(await kit.inventoryNames(m1, s.instance)).toEqual(['ConfigMap/settings', `Namespace/${s.namespace}`]);
  });
});

async function waitForQuotaUsage(client: ReturnType<typeof kit.observer.get>, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const quota = await client.get({ apiVersion: 'v1', kind: 'ResourceQuota', namespace: inventoryNamespace, name });
    if ((quota?.status as { used?: Record<string, string> } | undefined)?.used?.configmaps !== undefined) return;
    if (Date.now() > deadline) throw new Error(`ResourceQuota ${name}: the quota controller did not report usage within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Reads and writes a member's inventory ConfigMap; writes only when its bytes change. */
import type { ClusterClient } from '../cluster/cluster-client.ts';
import {
  decodeInventory,
  encodeInventory,
  inventoryDataKey,
  inventoryName,
  inventoryNamespace,
  type Inventory,
} from '../plan/inventory.ts';

function inventoryRef(instance: string) {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace: inventoryNamespace, name: inventoryName(instance) };
}

export async function readInventory(client: ClusterClient, instance: string): Promise<{ inventory: Inventory; problem?: string }> {
  const stored = await client.get(inventoryRef(instance));
  const data = stored?.data as Record<string, string> | undefined;
  return decodeInventory(data?.[inventoryDataKey]);
}

export async function writeInventory(client: ClusterClient, instance: string, before: Inventory, after: Inventory): Promise<boolean> {
  const bytes = encodeInventory(after);
  if (bytes === encodeInventory(before)) return false;
  if (before.entries.length === 0) {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: inventoryNamespace } });
  }
  await client.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(instance),
      namespace: inventoryNamespace,
      labels: { 'app.kubernetes.io/managed-by': 'gitfed', 'gitfed.io/instance': instance },
    },
    data: { [inventoryDataKey]: bytes },
  });
  return true;
}

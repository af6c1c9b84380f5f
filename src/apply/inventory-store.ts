/**
 * Reads and writes a member's inventory (layout in plan/inventory.ts). Writes are conditional: the index is
 * created (POST, refused if it exists) or replaced at the resourceVersion it was read at (PUT, refused if anyone
 * wrote it since), so two writers never silently overwrite each other. A refused write is rebased on what the
 * other writer saved — its records for objects this pass did not touch are kept — and tried again.
 */
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { ClusterRequestError } from '../cluster/cluster-client.ts';
import { GitfedError } from '../model/diagnostic.ts';
import type { KubeObject } from '../model/types.ts';
import {
  holdsLayout,
  inventoryName,
  inventoryNamespace,
  inventoryRoleLabel,
  layoutInventory,
  readInventoryLayout,
  shardNamesOf,
  type Inventory,
} from '../plan/inventory.ts';

export interface StoredInventory {
  inventory: Inventory;
  /** The index as read (null when there is none): its resourceVersion conditions the next write. */
  index: KubeObject | null;
}

export interface SavedInventory {
  stored: StoredInventory;
  /** False when the member already held these bytes. */
  written: boolean;
  /** Compressed bytes the inventory takes in the member (index payload plus shards). */
  bytes: number;
}

/** How often a refused conditional write is rebased and tried again before it is an error. */
const attempts = 3;

/** Reads the index and its shards. An inventory that cannot be read whole is an error: pruning needs all of it. */
export async function readInventory(client: ClusterClient, instance: string): Promise<StoredInventory> {
  const index = await client.get(ref(inventoryName(instance)));
  const names = shardNamesOf(index);
  const shards = new Map(await Promise.all(names.map(async (name) => [name, await client.get(ref(name))] as const)));
  const read = readInventoryLayout(instance, index, shards);
  if (read.problem) {
    throw new GitfedError(
      'InventoryReadFailed',
      `${read.problem} (ConfigMap ${inventoryNamespace}/${inventoryName(instance)}). Nothing was applied, so nothing gitfed created is forgotten; ` +
        `if the inventory cannot be repaired, delete it and gitfed rebuilds it from the objects that carry its marks`,
      { cluster: client.cluster },
    );
  }
  return { inventory: read.inventory, index };
}

/**
 * Saves `next` unless the member holds it already. `touched` are the keys this pass decided about: on a
 * refused write, the other writer's records for every other key are kept.
 */
export async function saveInventory(
  client: ClusterClient,
  instance: string,
  stored: StoredInventory,
  next: Inventory,
  touched: ReadonlySet<string>,
): Promise<SavedInventory> {
  let base = stored;
  let wanted = next;
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeOnce(client, instance, base, wanted);
    } catch (err) {
      const refused = err instanceof ClusterRequestError && (err.reason === 'Conflict' || err.reason === 'AlreadyExists');
      if (!refused || attempt >= attempts) throw err;
      base = await readInventory(client, instance);
      wanted = { entries: [...base.inventory.entries.filter((entry) => !touched.has(entry.key)), ...next.entries] };
    }
  }
}

async function writeOnce(client: ClusterClient, instance: string, stored: StoredInventory, next: Inventory): Promise<SavedInventory> {
  const layout = layoutInventory(next, instance);
  const bytes = payloadBytes([layout.index, ...layout.shards]);
  if (holdsLayout(stored.index, layout)) return { stored: { inventory: next, index: stored.index }, written: false, bytes };

  // Shards first (named by their bytes, so an existing one already holds them), then the index switches to them.
  const existing = new Set(layout.shards.length > 0 || shardNamesOf(stored.index).length > 0 ? await shardNames(client, instance) : []);
  for (const shard of layout.shards) if (!existing.has(shard.metadata.name)) await client.create(shard);

  let index: KubeObject;
  if (stored.index) {
    index = await client.replace({ ...layout.index, metadata: { ...layout.index.metadata, resourceVersion: stored.index.metadata.resourceVersion } });
  } else {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: inventoryNamespace } });
    index = await client.create(layout.index);
  }
  // Shards no index names any more (this one's predecessors, or leftovers of a write that stopped half-way).
  const keep = new Set(layout.shards.map((shard) => shard.metadata.name));
  for (const name of existing) if (!keep.has(name)) await client.delete(ref(name));
  return { stored: { inventory: next, index }, written: true, bytes };
}

async function shardNames(client: ClusterClient, instance: string): Promise<string[]> {
  const shards = await client.list('v1', 'ConfigMap', {
    namespace: inventoryNamespace,
    labelSelector: `${inventoryRoleLabel}=shard,gitfed.io/instance=${instance}`,
  });
  return shards.map((shard) => shard.metadata.name);
}

function payloadBytes(objects: readonly KubeObject[]): number {
  let total = 0;
  for (const object of objects) {
    for (const value of Object.values((object.binaryData ?? {}) as Record<string, string>)) total += Math.floor((value.length * 3) / 4);
  }
  return total;
}

function ref(name: string) {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace: inventoryNamespace, name };
}

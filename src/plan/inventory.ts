/**
 * What gitfed applied to one member, kept in that member (a ConfigMap per gitfed instance). Pruning is the
 * previous inventory minus what is desired now; an entry leaves only when its object is confirmed gone or
 * no longer gitfed's. Pure: encoding, decoding and the records themselves.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../model/types.ts';
import { objectKey, type ObjectIdentity } from './object-key.ts';

export interface InventoryEntry extends ObjectIdentity {
  /** objectKey(): group/Kind/namespace/name. */
  key: string;
  /** Hash of the desired object last applied; equal hash = Git did not change it. */
  hash: string;
  /** `gen:<generation>` or `rv:<resourceVersion>` of the member object after gitfed's last write (KubeFed §7). */
  version: string;
  /** The last applied version carried kubefed.io/orphan: "true": unmark instead of delete. */
  orphan?: boolean;
}

export interface Inventory {
  entries: InventoryEntry[];
}

export const inventoryNamespace = 'gitfed-system';
export const inventoryDataKey = 'inventory.json';

export function inventoryName(instance: string): string {
  return `gitfed-inventory-${instance}`;
}

export function emptyInventory(): Inventory {
  return { entries: [] };
}

/** Stable bytes: entries sorted by key, fields in a fixed order, so an unchanged inventory is never rewritten. */
export function encodeInventory(inventory: Inventory): string {
  const entries = [...inventory.entries]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => ({
      apiVersion: entry.apiVersion,
      kind: entry.kind,
      ...(entry.namespace ? { namespace: entry.namespace } : {}),
      name: entry.name,
      hash: entry.hash,
      version: entry.version,
      ...(entry.orphan ? { orphan: true } : {}),
    }));
  return `${JSON.stringify({ version: 1, entries }, null, 0)}\n`;
}

/** Tolerant of damage: an unreadable inventory is an empty one plus a reason, never a crash. */
export function decodeInventory(text: string | undefined): { inventory: Inventory; problem?: string } {
  if (!text) return { inventory: emptyInventory() };
  try {
    const parsed = JSON.parse(text) as { entries?: unknown };
    if (!Array.isArray(parsed.entries)) return { inventory: emptyInventory(), problem: 'inventory has no entries list' };
    const entries: InventoryEntry[] = [];
    for (const raw of parsed.entries as Record<string, unknown>[]) {
      if (typeof raw.apiVersion !== 'string' || typeof raw.kind !== 'string' || typeof raw.name !== 'string') continue;
      const identity = {
        apiVersion: raw.apiVersion,
        kind: raw.kind,
        namespace: typeof raw.namespace === 'string' ? raw.namespace : undefined,
        name: raw.name,
      };
      entries.push({
        ...identity,
        key: objectKey(identity),
        hash: typeof raw.hash === 'string' ? raw.hash : '',
        version: typeof raw.version === 'string' ? raw.version : '',
        ...(raw.orphan === true ? { orphan: true } : {}),
      });
    }
    return { inventory: { entries } };
  } catch (err) {
    return { inventory: emptyInventory(), problem: `inventory is not valid JSON: ${(err as Error).message}` };
  }
}

/** Hash of a desired object; rendering is deterministic, so equal objects hash equally. */
export function hashObject(object: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 20);
}

/** KubeFed's version of a member object: generation when the kind tracks it, else resourceVersion. */
export function versionOf(live: KubeObject): string {
  const generation = live.metadata.generation;
  if (typeof generation === 'number' && generation > 0) return `gen:${generation}`;
  return `rv:${String(live.metadata.resourceVersion ?? '')}`;
}

/**
 * What gitfed applied to one member, kept in that member. Pruning is the previous inventory minus what is desired
 * now; an entry leaves only when its object is confirmed gone or no longer gitfed's. Pure: the records, their
 * encoding, and how they are laid out over ConfigMaps.
 *
 * Layout (format 2). A ConfigMap holds at most 1 MiB, and at about 120 bytes an entry the first format (one JSON
 * document in `data`) overflowed past ~8,500 objects. Format 2 groups entries by apiVersion, kind and namespace
 * (names, hashes and versions only inside a group) and gzips the JSON: about 20 bytes an entry, since the desired
 * hashes do not compress. The result goes into `binaryData` of ConfigMaps:
 *   - `gitfed-inventory-<instance>` (the index) holds it inline when it fits in one shard;
 *   - otherwise the entries are split over shards `gitfed-inventory-<instance>-<digest>`, each at most
 *     `shardBytes` compressed, and the index lists them in order. A shard is named by the digest of its bytes,
 *     so it is written once and never changed: a new inventory writes its new shards first, then switches the
 *     index (the one write that needs the resourceVersion precondition), then deletes the shards no index names.
 *     A reader that sees an index sees complete shards.
 * The first format is still read (and replaced by format 2 at the next write).
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { objectKey, type ObjectIdentity } from '../model/identity.ts';
import type { KubeObject } from '../model/types.ts';

export interface InventoryEntry extends ObjectIdentity {
  /** objectKey(): group/Kind/namespace/name. */
  key: string;
  /** Hash of the desired object last applied; equal hash = Git did not change it. */
  hash: string;
  /**
   * `gen:<generation>` or `rv:<resourceVersion>` of the member object after gitfed's last write (KubeFed's
   * version check); '' while the write is only intended (recorded before a create, so it is never lost).
   */
  version: string;
  /** The last applied version carried kubefed.io/orphan: "true": unmark instead of delete. */
  orphan?: boolean;
}

export interface Inventory {
  entries: InventoryEntry[];
}

export const inventoryNamespace = 'gitfed-system';
/** Format 1's key in `data`, read for migration only. */
export const inventoryDataKey = 'inventory.json';
export const inventoryPayloadKey = 'inventory.json.gz';
export const inventoryFormat = '2';
/** Labels every inventory ConfigMap carries; `gitfed.io/inventory` says index or shard. */
export const inventoryRoleLabel = 'gitfed.io/inventory';
/** Compressed bytes per ConfigMap: well under the 1 MiB object limit and etcd's 1.5 MiB request limit. */
export const shardBytes = 512 * 1024;

export function inventoryName(instance: string): string {
  return `gitfed-inventory-${instance}`;
}

export function emptyInventory(): Inventory {
  return { entries: [] };
}

/** The ConfigMaps that hold an inventory: the index, plus the shards it lists (none when inline). */
export interface InventoryLayout {
  index: KubeObject;
  shards: KubeObject[];
}

/**
 * Stable bytes: entries sorted by key and grouped, so the same set always gives the same layout and an unchanged
 * inventory is never rewritten.
 */
export function layoutInventory(inventory: Inventory, instance: string, limit = shardBytes): InventoryLayout {
  const sorted = [...inventory.entries].sort((a, b) => compareKeys(a.key, b.key));
  const whole = compress(sorted);
  if (whole.length <= limit) {
    return { index: indexObject(instance, { [inventoryPayloadKey]: whole.toString('base64') }, [], sorted.length), shards: [] };
  }
  const shards = splitCompressed(sorted, limit, Math.ceil(whole.length / limit)).map((bytes) => shardObject(instance, bytes));
  return { index: indexObject(instance, {}, shards.map((shard) => shard.metadata.name), sorted.length), shards };
}

/** The shard names an index lists (empty when the entries are inline or the index is format 1). */
export function shardNamesOf(index: KubeObject | null): string[] {
  const listed = (index?.data as Record<string, string> | undefined)?.shards;
  return listed ? listed.split(',').filter(Boolean) : [];
}

/**
 * Reads an inventory from its index and the shards it lists (by name). Never throws: damage is an error for the
 * caller to report, with the entries that could be read; a missing index is an empty inventory.
 */
export function readInventoryLayout(
  instance: string,
  index: KubeObject | null,
  shards: ReadonlyMap<string, KubeObject | null>,
): { inventory: Inventory; problem?: string } {
  if (!index) return { inventory: emptyInventory() };
  const data = (index.data ?? {}) as Record<string, string>;
  const binary = (index.binaryData ?? {}) as Record<string, string>;
  if (data.format !== inventoryFormat) return decodeFormat1(data[inventoryDataKey]);
  try {
    const names = shardNamesOf(index);
    if (names.length === 0) return { inventory: { entries: decompress(binary[inventoryPayloadKey]) } };
    const entries: InventoryEntry[] = [];
    for (const name of names) {
      const shard = shards.get(name);
      const payload = (shard?.binaryData as Record<string, string> | undefined)?.[inventoryPayloadKey];
      if (!payload) return { inventory: { entries }, problem: `inventory shard ${name} is missing` };
      if (shardName(instance, Buffer.from(payload, 'base64')) !== name) {
        return { inventory: { entries }, problem: `inventory shard ${name} does not hold the bytes its name promises` };
      }
      entries.push(...decompress(payload));
    }
    return { inventory: { entries } };
  } catch (err) {
    return { inventory: emptyInventory(), problem: `inventory is unreadable: ${(err as Error).message}` };
  }
}

/** The stored index already holds this layout's bytes (so nothing needs writing). */
export function holdsLayout(stored: KubeObject | null, layout: InventoryLayout): boolean {
  if (!stored) return false;
  return sameStrings(stored.data, layout.index.data) && sameStrings(stored.binaryData, layout.index.binaryData);
}

function sameStrings(a: unknown, b: unknown): boolean {
  const x = (a ?? {}) as Record<string, string>;
  const y = (b ?? {}) as Record<string, string>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((key) => x[key] === y[key]);
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

// ---- encoding ------------------------------------------------------------------------------------------------

/** One group: every entry shares apiVersion, kind and namespace. Items are [name, hash, version, orphan?]. */
interface EncodedGroup {
  apiVersion: string;
  kind: string;
  namespace?: string;
  items: (string | 1)[][];
}

function compress(sorted: readonly InventoryEntry[]): Buffer {
  const groups: EncodedGroup[] = [];
  let current: EncodedGroup | undefined;
  for (const entry of sorted) {
    if (!current || current.apiVersion !== entry.apiVersion || current.kind !== entry.kind || (current.namespace ?? '') !== (entry.namespace ?? '')) {
      current = { apiVersion: entry.apiVersion, kind: entry.kind, ...(entry.namespace ? { namespace: entry.namespace } : {}), items: [] };
      groups.push(current);
    }
    current.items.push(entry.orphan ? [entry.name, entry.hash, entry.version, 1] : [entry.name, entry.hash, entry.version]);
  }
  // zlib writes no timestamp into the header: the same entries always give the same bytes (and shard names).
  return gzipSync(JSON.stringify({ version: 2, groups }), { level: 6 });
}

function decompress(payload: string | undefined): InventoryEntry[] {
  if (!payload) throw new Error('the index holds no entries and lists no shards');
  const parsed = JSON.parse(gunzipSync(Buffer.from(payload, 'base64')).toString('utf8')) as { groups?: EncodedGroup[] };
  if (!Array.isArray(parsed.groups)) throw new Error('no groups in the inventory payload');
  const entries: InventoryEntry[] = [];
  for (const group of parsed.groups) {
    for (const [name, hash, version, orphan] of group.items) {
      const identity = { apiVersion: group.apiVersion, kind: group.kind, namespace: group.namespace, name: String(name) };
      entries.push({ ...identity, key: objectKey(identity), hash: String(hash), version: String(version), ...(orphan === 1 ? { orphan: true } : {}) });
    }
  }
  return entries;
}

/** Splits into `parts` runs of entries, more parts until every compressed run fits. */
function splitCompressed(sorted: readonly InventoryEntry[], limit: number, parts: number): Buffer[] {
  for (let count = Math.max(2, parts); ; count++) {
    const size = Math.ceil(sorted.length / count);
    const chunks: Buffer[] = [];
    for (let start = 0; start < sorted.length; start += size) chunks.push(compress(sorted.slice(start, start + size)));
    if (chunks.every((chunk) => chunk.length <= limit) || size <= 1) return chunks;
  }
}

function labels(instance: string, role: 'index' | 'shard'): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'gitfed', 'gitfed.io/instance': instance, [inventoryRoleLabel]: role };
}

function indexObject(instance: string, binaryData: Record<string, string>, shards: string[], entries: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: inventoryName(instance), namespace: inventoryNamespace, labels: labels(instance, 'index') },
    data: { format: inventoryFormat, entries: String(entries), ...(shards.length > 0 ? { shards: shards.join(',') } : {}) },
    ...(Object.keys(binaryData).length > 0 ? { binaryData } : {}),
  };
}

function shardObject(instance: string, bytes: Buffer): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: shardName(instance, bytes), namespace: inventoryNamespace, labels: labels(instance, 'shard') },
    binaryData: { [inventoryPayloadKey]: bytes.toString('base64') },
    // A shard never changes after it is written (its name is its content).
    immutable: true,
  };
}

function shardName(instance: string, bytes: Buffer): string {
  return `${inventoryName(instance)}-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
}

/** Format 1: one JSON document under data["inventory.json"]. Tolerant: an unreadable one is a reason. */
function decodeFormat1(text: string | undefined): { inventory: Inventory; problem?: string } {
  if (!text) return { inventory: emptyInventory() };
  try {
    const parsed = JSON.parse(text) as { entries?: unknown };
    if (!Array.isArray(parsed.entries)) return { inventory: emptyInventory(), problem: 'inventory has no entries list' };
    const entries: InventoryEntry[] = [];
    for (const raw of parsed.entries as Record<string, unknown>[]) {
      if (typeof raw.apiVersion !== 'string' || typeof raw.kind !== 'string' || typeof raw.name !== 'string') continue;
      const identity = { apiVersion: raw.apiVersion, kind: raw.kind, namespace: typeof raw.namespace === 'string' ? raw.namespace : undefined, name: raw.name };
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

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

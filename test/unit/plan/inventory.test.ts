import { describe, expect, it } from 'vitest';
import { objectKey } from '../../../src/model/identity.ts';
import type { KubeObject } from '../../../src/model/types.ts';
import {
  hashObject,
  holdsLayout,
  inventoryName,
  layoutInventory,
  readInventoryLayout,
  shardNamesOf,
  versionOf,
  type InventoryEntry,
} from '../../../src/plan/inventory.ts';

function entry(kind: string, name: string, namespace?: string, extra: Partial<InventoryEntry> = {}): InventoryEntry {
  const identity = { apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, namespace, name };
  return { ...identity, key: objectKey(identity), hash: 'h', version: 'gen:1', ...extra };
}

/** `count` ConfigMap entries with random-looking hashes (they do not compress, as real ones do not). */
function many(count: number, namespace = 'load'): InventoryEntry[] {
  return Array.from({ length: count }, (_, index) =>
    entry('ConfigMap', `config-${String(index).padStart(6, '0')}`, namespace, { hash: hashObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: String(index) } }), version: `rv:${100000 + index}` }),
  );
}

/** Reads a layout back the way the store does: the index plus the shards it lists. */
function readBack(layout: ReturnType<typeof layoutInventory>, instance = 'gitfed') {
  return readInventoryLayout(instance, layout.index, new Map(layout.shards.map((shard) => [shard.metadata.name, shard])));
}

const byKey = (a: InventoryEntry, b: InventoryEntry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

describe('inventory', () => {
  it('lays out the same set as the same bytes, whatever the order', () => {
    const a = [entry('Deployment', 'web', 'shop'), entry('ConfigMap', 'cfg', 'shop'), entry('Namespace', 'shop')];
    expect(layoutInventory({ entries: a }, 'gitfed')).toEqual(layoutInventory({ entries: [...a].reverse() }, 'gitfed'));
  });

  it('round-trips entries, including the orphan flag and cluster-scoped objects', () => {
    const entries = [entry('Namespace', 'shop'), entry('ConfigMap', 'cfg', 'shop', { orphan: true }), entry('Deployment', 'web', 'shop', { version: '' })];
    const read = readBack(layoutInventory({ entries }, 'gitfed'));
    expect(read.problem).toBeUndefined();
    expect(read.inventory.entries.sort(byKey)).toEqual([...entries].sort(byKey));
  });

  it('keeps a small inventory inline in the index', () => {
    const layout = layoutInventory({ entries: many(100) }, 'gitfed');
    expect(layout.shards).toEqual([]);
    expect(layout.index.metadata.name).toBe(inventoryName('gitfed'));
    expect(shardNamesOf(layout.index)).toEqual([]);
  });

  it('holds 50,000 entries in shards that each fit a ConfigMap, and reads them back whole', () => {
    const entries = many(50_000);
    const layout = layoutInventory({ entries }, 'gitfed');
    expect(layout.shards.length).toBeGreaterThan(1);
    for (const shard of [layout.index, ...layout.shards]) expect(JSON.stringify(shard).length).toBeLessThan(1024 * 1024);
    expect(shardNamesOf(layout.index)).toEqual(layout.shards.map((shard) => shard.metadata.name));
    const read = readBack(layout);
    expect(read.problem).toBeUndefined();
    expect(read.inventory.entries).toHaveLength(50_000);
    expect(read.inventory.entries.sort(byKey)).toEqual([...entries].sort(byKey));
  }, 60_000); // compresses 50,000 entries several times: seconds on a loaded 2-core machine, not a speed check

  it('names shards by their bytes, so an unchanged part of a large inventory keeps its shard', () => {
    const entries = many(30_000);
    const before = layoutInventory({ entries }, 'gitfed', 64 * 1024);
    const after = layoutInventory({ entries: [...entries.slice(0, -1), { ...entries.at(-1)!, version: 'rv:1' }] }, 'gitfed', 64 * 1024);
    const names = (layout: typeof before) => layout.shards.map((shard) => shard.metadata.name);
    expect(names(before).length).toBeGreaterThan(2);
    expect(names(after).slice(0, -1)).toEqual(names(before).slice(0, -1));
    expect(names(after).at(-1)).not.toBe(names(before).at(-1));
  });

  it('says what is wrong when a listed shard is missing or holds other bytes, never an empty inventory silently', () => {
    const layout = layoutInventory({ entries: many(20_000) }, 'gitfed', 64 * 1024);
    const [first, second] = layout.shards;
    expect(first && second).toBeTruthy();
    const missing = readInventoryLayout('gitfed', layout.index, new Map([[first!.metadata.name, first!]]));
    expect(missing.problem).toMatch(/shard .* is missing/);
    const swapped = readInventoryLayout('gitfed', layout.index, new Map(layout.shards.map((shard) => [shard.metadata.name, second!])));
    expect(swapped.problem).toMatch(/does not hold the bytes its name promises/);
  });

  it('reads the first format (one JSON document in data) so existing inventories migrate', () => {
    const v1: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'gitfed-inventory-gitfed', namespace: 'gitfed-system' },
      data: {
        'inventory.json': JSON.stringify({ version: 1, entries: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg', hash: 'abc', version: 'rv:7', orphan: true }] }),
      },
    };
    const read = readInventoryLayout('gitfed', v1, new Map());
    expect(read.inventory.entries).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg', key: '/ConfigMap/shop/cfg', hash: 'abc', version: 'rv:7', orphan: true }]);
    // The first format never counts as holding a layout: the next save rewrites it as format 2.
    expect(holdsLayout(v1, layoutInventory(read.inventory, 'gitfed'))).toBe(false);
  });

  it('treats a missing index as empty, and a damaged one as a problem', () => {
    expect(readInventoryLayout('gitfed', null, new Map())).toEqual({ inventory: { entries: [] } });
    const damaged = readInventoryLayout('gitfed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { 'inventory.json': '{not json' } }, new Map());
    expect(damaged.problem).toMatch(/not valid JSON/);
    const badPayload = readInventoryLayout('gitfed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { format: '2' }, binaryData: { 'inventory.json.gz': 'bm90IGd6aXA=' } }, new Map());
    expect(badPayload.problem).toMatch(/unreadable/);
  });

  it('knows when the member already holds a layout, so an unchanged inventory is not rewritten', () => {
    const layout = layoutInventory({ entries: many(10) }, 'gitfed');
    expect(holdsLayout(structuredClone(layout.index), layout)).toBe(true);
    expect(holdsLayout(layout.index, layoutInventory({ entries: many(11) }, 'gitfed'))).toBe(false);
    expect(holdsLayout(null, layout)).toBe(false);
  });

  it('keys objects by group, kind, namespace and name, not by version', () => {
    expect(objectKey({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' })).toBe('apps/Deployment/shop/web');
    expect(objectKey({ apiVersion: 'apps/v1beta2', kind: 'Deployment', namespace: 'shop', name: 'web' })).toBe('apps/Deployment/shop/web');
    expect(objectKey({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' })).toBe('/Namespace//shop');
  });

  it('hashes equal objects equally and different ones differently', () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
    expect(hashObject(structuredClone(object))).toBe(hashObject(object));
    expect(hashObject({ ...object, data: { k: 'w' } })).not.toBe(hashObject(object));
  });

  it('versions objects by generation when they track it, else by resourceVersion', () => {
    expect(versionOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', generation: 3, resourceVersion: '99' } })).toBe('gen:3');
    expect(versionOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '42' } })).toBe('rv:42');
  });
});

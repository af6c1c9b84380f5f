import { describe, expect, it } from 'vitest';
import { decodeInventory, encodeInventory, hashObject, versionOf, type InventoryEntry } from '../../../src/plan/inventory.ts';
import { objectKey } from '../../../src/plan/object-key.ts';

function entry(kind: string, name: string, namespace?: string, extra: Partial<InventoryEntry> = {}): InventoryEntry {
  const identity = { apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, namespace, name };
  return { ...identity, key: objectKey(identity), hash: 'h', version: 'gen:1', ...extra };
}

describe('inventory', () => {
  it('encodes entries sorted, so the same set always gives the same bytes', () => {
    const a = [entry('Deployment', 'web', 'shop'), entry('ConfigMap', 'cfg', 'shop'), entry('Namespace', 'shop')];
    expect(encodeInventory({ entries: a })).toBe(encodeInventory({ entries: [...a].reverse() }));
  });

  it('round-trips entries, including the orphan flag and cluster-scoped objects', () => {
    const entries = [entry('Namespace', 'shop'), entry('ConfigMap', 'cfg', 'shop', { orphan: true })];
    const decoded = decodeInventory(encodeInventory({ entries })).inventory.entries;
    expect(decoded.sort((x, y) => x.key.localeCompare(y.key))).toEqual(entries.sort((x, y) => x.key.localeCompare(y.key)));
  });

  it('treats a missing inventory as empty and a damaged one as empty with a reason', () => {
    expect(decodeInventory(undefined)).toEqual({ inventory: { entries: [] } });
    const damaged = decodeInventory('{not json');
    expect(damaged.inventory.entries).toEqual([]);
    expect(damaged.problem).toMatch(/not valid JSON/);
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

  it('versions objects by generation when they track it, else by resourceVersion (KubeFed §7)', () => {
    expect(versionOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', generation: 3, resourceVersion: '99' } })).toBe('gen:3');
    expect(versionOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '42' } })).toBe('rv:42');
  });
});

import { describe, expect, it } from 'vitest';
import { assignMembers, ownerOf, rendezvousWeight } from '../../../src/coordination/assign-members.ts';

const members = Array.from({ length: 500 }, (_, i) => `member-${String(i).padStart(3, '0')}`);
const replicas = (n: number) => Array.from({ length: n }, (_, i) => `gitfed-${i}`);
const ownerMap = (ms: readonly string[], rs: readonly string[]) => new Map(ms.map((m) => [m, ownerOf(m, rs)]));

describe('assignMembers (rendezvous hashing)', () => {
  it('gives every member exactly one owner, the same whatever order the lists come in', () => {
    const assignment = assignMembers(members, replicas(5));
    const owned = [...assignment.values()].flat();
    expect(owned.length).toBe(members.length);
    expect(new Set(owned).size).toBe(members.length);
    const shuffled = assignMembers([...members].reverse(), [...replicas(5)].reverse());
    expect([...shuffled]).toEqual([...assignment]);
  });

  it('balances 500 members over 5 replicas within 25% of the mean', () => {
    const sizes = [...assignMembers(members, replicas(5)).values()].map((owned) => owned.length);
    expect(sizes.length).toBe(5);
    expect(Math.max(...sizes) / (members.length / 5)).toBeLessThan(1.25);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
  });

  it('moves only members to a joining replica, about 1/N of them', () => {
    const before = ownerMap(members, replicas(4));
    const after = ownerMap(members, replicas(5));
    const moved = members.filter((m) => before.get(m) !== after.get(m));
    expect(moved.length).toBeGreaterThan(0);
    for (const member of moved) expect(after.get(member)).toBe('gitfed-4');
    expect(moved.length).toBeLessThanOrEqual((1.5 / 5) * members.length);
  });

  it('moves only the leaving replica\'s members when one leaves', () => {
    const before = ownerMap(members, replicas(5));
    const after = ownerMap(members, replicas(5).filter((r) => r !== 'gitfed-2'));
    const moved = members.filter((m) => before.get(m) !== after.get(m));
    expect(moved.length).toBeGreaterThan(0);
    for (const member of moved) expect(before.get(member)).toBe('gitfed-2');
    expect(moved.length).toBe(members.filter((m) => before.get(m) === 'gitfed-2').length);
  });

  it('has no owner without replicas, and counts a duplicate replica once', () => {
    expect(ownerOf('member-1', [])).toBeUndefined();
    expect([...assignMembers(['a', 'b'], ['r', 'r']).keys()]).toEqual(['r']);
  });

  it('weighs pairs in 32 bits, differently for names that differ in one character', () => {
    const a = rendezvousWeight('member-001', 'gitfed-0');
    const b = rendezvousWeight('member-002', 'gitfed-0');
    expect(a).not.toBe(b);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(2 ** 32);
  });
});

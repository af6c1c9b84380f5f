/**
 * Which live replica owns which member: rendezvous (highest-random-weight) hashing. Every replica computes the
 * same answer from the same two lists, with no table to store or agree on, and a replica joining or leaving
 * moves only the members whose highest weight was (or becomes) that replica: about 1/N of them.
 *
 * Rules:
 * 1. The weight of (member, replica) is FNV-1 32 of the member name then a NUL then the replica id, put through
 *    murmur3's 32-bit finaliser (FNV alone clusters on names that differ only in their last characters).
 * 2. A member's owner is the replica with the highest weight; equal weights go to the smaller replica id.
 * 3. No replica, no owner. Duplicate ids count once.
 *
 * Pure: no clock, no I/O.
 */
import { fnv1Hash32 } from '../render/fnv1.ts';

/** The weight of one (member, replica) pair; unsigned 32-bit. */
export function rendezvousWeight(member: string, replica: string): number {
  return mix32(fnv1Hash32(replica, fnv1Hash32(`${member}\u0000`)));
}

/** The replica that owns `member` among `replicas`, or undefined when there is none. */
export function ownerOf(member: string, replicas: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const replica of replicas) {
    const weight = rendezvousWeight(member, replica);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && replica < best)) {
      best = replica;
      bestWeight = weight;
    }
  }
  return best;
}

/** Every member's owner: replica → its members, sorted (replicas that own nothing are listed with none). */
export function assignMembers(members: readonly string[], replicas: readonly string[]): Map<string, string[]> {
  const unique = [...new Set(replicas)].sort();
  const assignment = new Map<string, string[]>(unique.map((replica) => [replica, []]));
  for (const member of [...new Set(members)].sort()) {
    const owner = ownerOf(member, unique);
    if (owner !== undefined) assignment.get(owner)!.push(member);
  }
  return assignment;
}

/** murmur3 fmix32: spreads every input bit over the whole word. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

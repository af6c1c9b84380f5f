/**
 * FNV-1 32-bit, as Go's `hash/fnv.New32` computes it (spec §4.3 step 1). KubeFed's replica planner breaks weight
 * ties with it, so gitfed must use the same function to reproduce KubeFed's splits. This is FNV-1 (multiply,
 * then XOR), not the more common FNV-1a (XOR, then multiply): the two give different tie-breaks.
 */

/** Go's `offset32`: the hash of no bytes at all. */
export const FNV1_32_OFFSET_BASIS = 2166136261;

const FNV1_32_PRIME = 16777619;

const utf8 = new TextEncoder();

/**
 * Hashes the UTF-8 bytes of `text`, returning an unsigned 32-bit number. Pass a previous result as `seed` to
 * continue hashing, the way Go writes several byte slices into one hasher (the planner hashes the cluster name,
 * then the `namespace/name` key).
 */
export function fnv1Hash32(text: string, seed: number = FNV1_32_OFFSET_BASIS): number {
  let hash = seed >>> 0;
  for (const byte of utf8.encode(text)) {
    hash = (Math.imul(hash, FNV1_32_PRIME) ^ byte) >>> 0;
  }
  return hash;
}

/**
 * The deletion guard: one apply may not delete more than a share of what gitfed manages in a member, unless
 * allowed. A revision that drops most of a member's objects is far more often a mistake (a broken selector, a
 * renamed cluster, a half-pushed branch) than an intent; creations and updates still go ahead.
 */

export interface DeletionGuardPolicy {
  /** Largest share of the managed objects one apply may delete. */
  maxShare: number;
  /** Deleting fewer objects than this is never held. */
  minimum: number;
}

export const defaultDeletionGuard: DeletionGuardPolicy = { maxShare: 0.5, minimum: 3 };

export function holdsDeletions(deletions: number, managed: number, policy: DeletionGuardPolicy): boolean {
  if (deletions < policy.minimum) return false;
  return deletions > managed * policy.maxShare;
}

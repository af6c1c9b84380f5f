/**
 * Aggregation of object health: per federated object (its copies across clusters) and per cluster (every
 * object gitfed placed there).
 *
 * Rules:
 * 1. The aggregate is the worst member by this precedence, worst first:
 *
 *      Failed > Unknown > NotFound > Terminating > InProgress > Current
 *
 *    ordered by how much a person needs to act, and how little the status promises:
 *    - Failed: a controller has said it will not get there; nothing changes until someone acts.
 *    - Unknown: the status could not be read, so it may hide a failure; ranking it lower would let an
 *      unreadable copy pass for a converging one (Argo CD ranks Unknown worst too; here a known failure ranks
 *      above it because it is more actionable).
 *    - NotFound: a copy that should exist does not; nothing in the cluster will create it, only the next apply.
 *    - Terminating: the copy is being deleted and will end NotFound; it still exists and may still serve, so
 *      it ranks below NotFound, but it moves away from the desired state, so above InProgress.
 *    - InProgress: a controller is moving it towards the desired state on its own.
 *    - Current: done. The aggregate is Current only when every member is.
 * 2. Among members with the worst status, the first one in the list wins, so the message is deterministic for
 *    a sorted list (gitfed decision 5) and names a concrete copy.
 * 3. An empty list is Current: nothing was asked for, so nothing is outstanding (an object placed on no
 *    cluster is healthy; its propagation status says why it is nowhere).
 * 4. Replica counts are summed over the members that have them (a Deployment's ready pods across clusters).
 * 5. Counts per status always carry all six keys, in alphabetical order, zeros included, so reports do not
 *    change shape when a status first appears.
 */
import type { Health, HealthStatus, ReplicaCounts } from './compute-health.ts';

/** Every status, worst first (rule 1). */
export const healthPrecedence: readonly HealthStatus[] = [
  'Failed', 'Unknown', 'NotFound', 'Terminating', 'InProgress', 'Current',
];

/** Every status in the fixed (alphabetical) order used for keys in counts and reports. */
export const healthStatuses: readonly HealthStatus[] = [
  'Current', 'Failed', 'InProgress', 'NotFound', 'Terminating', 'Unknown',
];

/** Negative when `a` is worse than `b`, so sorting with it puts the worst first. */
export function compareHealthStatus(a: HealthStatus, b: HealthStatus): number {
  return healthPrecedence.indexOf(a) - healthPrecedence.indexOf(b);
}

/** The worst health in the list with its message (rules 1–4). */
export function worstHealth(list: readonly Health[]): Health {
  let worst: Health | undefined;
  for (const health of list) {
    if (worst === undefined || compareHealthStatus(health.status, worst.status) < 0) worst = health;
  }
  const summary: Health = worst
    ? { status: worst.status, message: worst.message }
    : { status: 'Current', message: 'Nothing to check' };
  const replicas = sumReplicas(list);
  return replicas ? { ...summary, replicas } : summary;
}

/** Replica counts added up over the members that have them; undefined when none has (rule 4). */
export function sumReplicas(list: readonly Health[]): ReplicaCounts | undefined {
  let total: ReplicaCounts | undefined;
  for (const { replicas } of list) {
    if (!replicas) continue;
    total = total ?? { desired: 0, ready: 0, available: 0, updated: 0 };
    total.desired += replicas.desired;
    total.ready += replicas.ready;
    total.available += replicas.available;
    total.updated += replicas.updated;
  }
  return total;
}

/** How many members have each status; all six keys, alphabetical, zeros included (rule 5). */
export function countByStatus(list: readonly (Health | HealthStatus)[]): Record<HealthStatus, number> {
  const counts = Object.fromEntries(healthStatuses.map((status) => [status, 0])) as Record<HealthStatus, number>;
  for (const item of list) counts[typeof item === 'string' ? item : item.status] += 1;
  return counts;
}

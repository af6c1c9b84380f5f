/**
 * Replica counts for workloads, read from live status so `gitfed status` can show "ready 2/3". The four
 * numbers mean the same for every kind:
 * - desired: pods the controller is asked to run (spec.replicas, default 1; for a DaemonSet
 *   status.desiredNumberScheduled, since nodes decide);
 * - ready / available: pods passing readiness, and ready for at least minReadySeconds;
 * - updated: pods running the latest template.
 * A ReplicaSet has one template, so all its pods are up to date (updated = status.replicas). A StatefulSet
 * reports availableReplicas only since Kubernetes 1.22; before that ready stands in for it (available and
 * ready are the same when minReadySeconds is 0, the only option then).
 */
import type { KubeObject } from '../model/types.ts';
import { groupKindOf, intAt, optionalIntAt } from './read-status.ts';

export interface ReplicaCounts {
  desired: number;
  ready: number;
  available: number;
  updated: number;
}

/** Counts for Deployment, ReplicaSet, StatefulSet and DaemonSet; undefined for every other kind. */
export function replicaCounts(live: KubeObject): ReplicaCounts | undefined {
  const status = (field: string): number => intAt(live, ['status', field], 0);
  switch (groupKindOf(live)) {
    case 'apps/Deployment':
    case 'extensions/Deployment':
      return {
        desired: intAt(live, ['spec', 'replicas'], 1),
        ready: status('readyReplicas'),
        available: status('availableReplicas'),
        updated: status('updatedReplicas'),
      };
    case 'apps/ReplicaSet':
    case 'extensions/ReplicaSet':
      return {
        desired: intAt(live, ['spec', 'replicas'], 1),
        ready: status('readyReplicas'),
        available: status('availableReplicas'),
        updated: status('replicas'),
      };
    case 'apps/StatefulSet':
      return {
        desired: intAt(live, ['spec', 'replicas'], 1),
        ready: status('readyReplicas'),
        available: optionalIntAt(live, ['status', 'availableReplicas']) ?? status('readyReplicas'),
        updated: status('updatedReplicas'),
      };
    case 'apps/DaemonSet':
    case 'extensions/DaemonSet':
      return {
        desired: status('desiredNumberScheduled'),
        ready: status('numberReady'),
        available: status('numberAvailable'),
        updated: status('updatedNumberScheduled'),
      };
    default:
      return undefined;
  }
}

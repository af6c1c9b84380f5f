/**
 * StatefulSet (kstatus rules). The controller sets no conditions, so only counts and revisions tell:
 * 1. updateStrategy OnDelete → Current (the user replaces pods by hand; there is no rollout to wait for).
 * 2. Counts, first mismatch wins → InProgress: fewer pods than spec.replicas; fewer ready; more pods than
 *    wanted (pending termination).
 * 3. With a rollingUpdate partition (the API server defaults it to 0): fewer updated pods than
 *    `replicas - partition` → InProgress, else Current.
 * 4. Without one: fewer current pods than wanted, or currentRevision ≠ updateRevision → InProgress.
 * 5. Otherwise Current.
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { intAt, optionalIntAt, stringAt } from '../read-status.ts';

export function statefulSetHealth(live: KubeObject): Health {
  if (stringAt(live, ['spec', 'updateStrategy', 'type'], '') === 'OnDelete') {
    return { status: 'Current', message: 'StatefulSet uses the OnDelete update strategy' };
  }

  const wanted = intAt(live, ['spec', 'replicas'], 1);
  const replicas = intAt(live, ['status', 'replicas'], 0);
  const ready = intAt(live, ['status', 'readyReplicas'], 0);
  const current = intAt(live, ['status', 'currentReplicas'], 0);
  const updated = intAt(live, ['status', 'updatedReplicas'], 0);
  const partition = optionalIntAt(live, ['spec', 'updateStrategy', 'rollingUpdate', 'partition']);

  if (wanted > replicas) return { status: 'InProgress', message: `Replicas: ${replicas}/${wanted}` };
  if (wanted > ready) return { status: 'InProgress', message: `Ready: ${ready}/${wanted}` };
  if (replicas > wanted) return { status: 'InProgress', message: `Pending termination: ${replicas - wanted}` };

  if (partition !== undefined) {
    const toUpdate = wanted - partition;
    if (updated < toUpdate) return { status: 'InProgress', message: `Partition rollout: updated ${updated}/${toUpdate}` };
    return { status: 'Current', message: `Partition rollout complete. Updated: ${updated}` };
  }

  if (wanted > current) return { status: 'InProgress', message: `Current: ${current}/${wanted}` };
  if (stringAt(live, ['status', 'currentRevision'], '') !== stringAt(live, ['status', 'updateRevision'], '')) {
    return { status: 'InProgress', message: 'Waiting for the update revision to become the current revision' };
  }
  return { status: 'Current', message: `All replicas are up to date. Replicas: ${replicas}` };
}

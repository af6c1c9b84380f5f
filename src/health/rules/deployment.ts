/**
 * Deployment (kstatus rules). The deployment controller reports progress through conditions and counts:
 * 1. Progressing with reason ProgressDeadlineExceeded → Failed (the controller has given up waiting).
 * 2. Counts, first mismatch wins → InProgress: fewer pods than spec.replicas; fewer updated than wanted;
 *    more pods than wanted (old ones still terminating); updated pods not all available; fewer ready than wanted.
 * 3. Progressing not True/NewReplicaSetAvailable → InProgress, unless spec.progressDeadlineSeconds is absent
 *    (then the controller never sets Progressing, so there is nothing to wait for).
 * 4. Available not True → InProgress.
 * 5. Otherwise Current.
 * spec.replicas defaults to 1, as the controller defaults it.
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { conditionsOf, describeCondition, fieldAt, intAt } from '../read-status.ts';

export function deploymentHealth(live: KubeObject): Health {
  let rolloutComplete = fieldAt(live, ['spec', 'progressDeadlineSeconds']) === undefined;
  let available = false;
  for (const condition of conditionsOf(live)) {
    if (condition.type === 'Progressing') {
      if (condition.reason === 'ProgressDeadlineExceeded') {
        return { status: 'Failed', message: `Progress deadline exceeded: ${describeCondition(condition)}` };
      }
      if (condition.status === 'True' && condition.reason === 'NewReplicaSetAvailable') rolloutComplete = true;
    }
    if (condition.type === 'Available' && condition.status === 'True') available = true;
  }

  const wanted = intAt(live, ['spec', 'replicas'], 1);
  const replicas = intAt(live, ['status', 'replicas'], 0);
  const updated = intAt(live, ['status', 'updatedReplicas'], 0);
  const ready = intAt(live, ['status', 'readyReplicas'], 0);
  const availableReplicas = intAt(live, ['status', 'availableReplicas'], 0);

  if (wanted > replicas) return { status: 'InProgress', message: `Replicas: ${replicas}/${wanted}` };
  if (wanted > updated) return { status: 'InProgress', message: `Updated: ${updated}/${wanted}` };
  if (replicas > wanted) return { status: 'InProgress', message: `Pending termination: ${replicas - wanted}` };
  if (updated > availableReplicas) {
    return { status: 'InProgress', message: `Available: ${availableReplicas}/${updated}` };
  }
  if (wanted > ready) return { status: 'InProgress', message: `Ready: ${ready}/${wanted}` };
  if (!rolloutComplete) return { status: 'InProgress', message: 'New ReplicaSet is not yet available' };
  if (!available) return { status: 'InProgress', message: 'Deployment is not Available' };
  return { status: 'Current', message: `Deployment is available. Replicas: ${replicas}` };
}

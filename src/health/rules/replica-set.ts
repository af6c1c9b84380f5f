/**
 * ReplicaSet (kstatus rules):
 * 1. ReplicaFailure=True → InProgress (pods could not be created, e.g. quota; the controller keeps retrying).
 * 2. Counts, first mismatch wins → InProgress: fewer fully labelled pods than spec.replicas; fewer available;
 *    fewer ready; more pods than wanted (old ones still terminating).
 * 3. Otherwise Current.
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { describeCondition, findCondition, intAt } from '../read-status.ts';

export function replicaSetHealth(live: KubeObject): Health {
  const failure = findCondition(live, 'ReplicaFailure');
  if (failure?.status === 'True') {
    return { status: 'InProgress', message: `Replica failure, check the pods: ${describeCondition(failure)}` };
  }

  const wanted = intAt(live, ['spec', 'replicas'], 1);
  const replicas = intAt(live, ['status', 'replicas'], 0);
  const labelled = intAt(live, ['status', 'fullyLabeledReplicas'], 0);
  const available = intAt(live, ['status', 'availableReplicas'], 0);
  const ready = intAt(live, ['status', 'readyReplicas'], 0);

  if (wanted > labelled) return { status: 'InProgress', message: `Labelled: ${labelled}/${wanted}` };
  if (wanted > available) return { status: 'InProgress', message: `Available: ${available}/${wanted}` };
  if (wanted > ready) return { status: 'InProgress', message: `Ready: ${ready}/${wanted}` };
  if (replicas > wanted) return { status: 'InProgress', message: `Pending termination: ${replicas - wanted}` };
  return { status: 'Current', message: `ReplicaSet is available. Replicas: ${replicas}` };
}

/**
 * DaemonSet (kstatus rules):
 * 1. metadata.generation or status.observedGeneration missing → InProgress. The generic generation rule lets
 *    objects without them pass; a DaemonSet the controller has seen always has both.
 * 2. status.desiredNumberScheduled missing → InProgress (not counted yet).
 * 3. Counts against desiredNumberScheduled, first mismatch wins → InProgress: fewer scheduled, fewer updated,
 *    fewer available, fewer ready.
 * 4. Otherwise Current.
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { intAt, optionalIntAt } from '../read-status.ts';

export function daemonSetHealth(live: KubeObject): Health {
  if (optionalIntAt(live, ['metadata', 'generation']) === undefined) {
    return { status: 'InProgress', message: 'DaemonSet has no metadata.generation yet' };
  }
  if (optionalIntAt(live, ['status', 'observedGeneration']) === undefined) {
    return { status: 'InProgress', message: 'DaemonSet has no status.observedGeneration yet' };
  }

  const desired = optionalIntAt(live, ['status', 'desiredNumberScheduled']);
  if (desired === undefined) return { status: 'InProgress', message: 'DaemonSet has no status.desiredNumberScheduled yet' };
  const scheduled = intAt(live, ['status', 'currentNumberScheduled'], 0);
  const updated = intAt(live, ['status', 'updatedNumberScheduled'], 0);
  const available = intAt(live, ['status', 'numberAvailable'], 0);
  const ready = intAt(live, ['status', 'numberReady'], 0);

  if (desired > scheduled) return { status: 'InProgress', message: `Scheduled: ${scheduled}/${desired}` };
  if (desired > updated) return { status: 'InProgress', message: `Updated: ${updated}/${desired}` };
  if (desired > available) return { status: 'InProgress', message: `Available: ${available}/${desired}` };
  if (desired > ready) return { status: 'InProgress', message: `Ready: ${ready}/${desired}` };
  return { status: 'Current', message: `All pods are scheduled and up to date. Pods: ${desired}` };
}

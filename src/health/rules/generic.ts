/**
 * Rules that apply to every kind. Each returns a Health when it can decide, undefined to pass the object on.
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { describeCondition, findCondition, optionalIntAt, stringAt } from '../read-status.ts';

/** A deletionTimestamp means the object is going away, whatever else its status says. */
export function terminatingHealth(live: KubeObject): Health | undefined {
  const since = stringAt(live, ['metadata', 'deletionTimestamp'], '');
  if (since === '') return undefined;
  return { status: 'Terminating', message: `Scheduled for deletion at ${since}` };
}

/**
 * A controller that publishes status.observedGeneration has not acted on the latest spec until it equals
 * metadata.generation. Objects without either field pass (many kinds have no observedGeneration).
 */
export function generationHealth(live: KubeObject): Health | undefined {
  const generation = optionalIntAt(live, ['metadata', 'generation']);
  const observed = optionalIntAt(live, ['status', 'observedGeneration']);
  if (generation === undefined || observed === undefined || generation === observed) return undefined;
  return {
    status: 'InProgress',
    message: `${live.kind} generation is ${generation}, but the controller has observed generation ${observed}`,
  };
}

/**
 * kstatus' standard "abnormal-true" conditions, which any controller may set and which then decide alone:
 * Stalled=True → Failed, Reconciling=True → InProgress. kstatus takes whichever comes first in the list;
 * here Stalled wins so the answer does not depend on list order.
 */
export function standardConditionsHealth(live: KubeObject): Health | undefined {
  const stalled = findCondition(live, 'Stalled');
  if (stalled?.status === 'True') return { status: 'Failed', message: withFallback(stalled, 'Stalled') };
  const reconciling = findCondition(live, 'Reconciling');
  if (reconciling?.status === 'True') return { status: 'InProgress', message: withFallback(reconciling, 'Reconciling') };
  return undefined;
}

/**
 * The Ready condition most controllers publish (Flux, Crossplane, cert-manager …), for kinds without a rule
 * of their own: Ready=True → Current; Ready=False or Unknown → InProgress (a controller that gave up says so
 * with Stalled, which the rule above has already seen). kstatus itself does not read Ready.
 */
export function readyConditionHealth(live: KubeObject): Health | undefined {
  const ready = findCondition(live, 'Ready');
  if (ready === undefined) return undefined;
  if (ready.status === 'True') return { status: 'Current', message: withFallback(ready, 'Ready') };
  return { status: 'InProgress', message: `Not Ready: ${withFallback(ready, `Ready is ${ready.status || 'unset'}`)}` };
}

function withFallback(condition: Parameters<typeof describeCondition>[0], fallback: string): string {
  const text = describeCondition(condition);
  return text === '' ? fallback : text;
}

/**
 * Pod (kstatus rules, with gitfed's two departures marked ★). gitfed applies bare Pods only, so a Pod that
 * ended badly is a failure of what Git asked for, not a finished piece of work.
 * 1. phase Succeeded → Current.
 * 2. ★ phase Failed → Failed (kstatus says Current: "completed, but not successfully").
 * 3. phase Running: Ready=True → Current; a container stuck waiting (below) → Failed; else InProgress.
 * 4. phase Pending: ★ a container stuck waiting → Failed (kstatus looks at waiting containers only once
 *    Running, so an image that cannot be pulled stays InProgress there); PodScheduled=False/Unschedulable →
 *    Failed once the Pod is older than {@link scheduleWindowMs} (InProgress before that, and when no `now` is
 *    given, since time is a parameter here); else InProgress.
 * 5. no phase yet → InProgress; any other phase (the API's `Unknown`: the node stopped reporting) → Unknown.
 *
 * "Stuck waiting" is the CrashLoopBackOff family: a container or init container whose waiting reason ends in
 * BackOff (CrashLoopBackOff, ImagePullBackOff), starts with Err (ErrImagePull) or ends in Error
 * (CreateContainerConfigError, RunContainerError). ContainerCreating and PodInitializing are normal waits.
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health, HealthOptions } from '../compute-health.ts';
import { describeCondition, findCondition, hasCondition, objectsAt, stringAt } from '../read-status.ts';

/** How long a Pod may stay unschedulable before it counts as Failed (kstatus' ScheduleWindow). */
export const scheduleWindowMs = 15_000;

export function podHealth(live: KubeObject, options: HealthOptions): Health {
  const phase = stringAt(live, ['status', 'phase'], '');
  switch (phase) {
    case 'Succeeded':
      return { status: 'Current', message: 'Pod completed successfully' };
    case 'Failed': {
      const why = [stringAt(live, ['status', 'reason'], ''), stringAt(live, ['status', 'message'], '')]
        .filter((part) => part !== '').join(': ');
      return { status: 'Failed', message: why === '' ? 'Pod failed' : `Pod failed: ${why}` };
    }
    case 'Running': {
      if (hasCondition(live, 'Ready', 'True')) return { status: 'Current', message: 'Pod is Ready' };
      return stuckContainers(live) ?? { status: 'InProgress', message: 'Pod is running but not Ready' };
    }
    case 'Pending': {
      const stuck = stuckContainers(live);
      if (stuck) return stuck;
      const scheduled = findCondition(live, 'PodScheduled');
      if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
        if (olderThanScheduleWindow(live, options.now)) {
          return { status: 'Failed', message: `Pod cannot be scheduled: ${describeCondition(scheduled)}` };
        }
        return { status: 'InProgress', message: 'Pod has not been scheduled yet' };
      }
      return { status: 'InProgress', message: 'Pod is Pending' };
    }
    case '':
      return { status: 'InProgress', message: 'Pod phase is not reported yet' };
    default:
      return { status: 'Unknown', message: `Pod phase is ${phase}` };
  }
}

const stuckReason = /^Err|Error$|BackOff$/;

/** Failed naming every container stuck waiting (`name: reason`), or undefined when none is. */
function stuckContainers(live: KubeObject): Health | undefined {
  const statuses = [
    ...objectsAt(live, ['status', 'initContainerStatuses']),
    ...objectsAt(live, ['status', 'containerStatuses']),
  ];
  const stuck: string[] = [];
  for (const status of statuses) {
    const state = status['state'];
    if (state === null || typeof state !== 'object') continue;
    const waiting = (state as Record<string, unknown>)['waiting'];
    if (waiting === null || typeof waiting !== 'object') continue;
    const reason = (waiting as Record<string, unknown>)['reason'];
    if (typeof reason === 'string' && stuckReason.test(reason)) {
      stuck.push(`${typeof status['name'] === 'string' ? status['name'] : '?'}: ${reason}`);
    }
  }
  if (stuck.length === 0) return undefined;
  return { status: 'Failed', message: `Containers stuck waiting: ${stuck.join(', ')}` };
}

function olderThanScheduleWindow(live: KubeObject, now: string | undefined): boolean {
  if (now === undefined) return false;
  const created = Date.parse(stringAt(live, ['metadata', 'creationTimestamp'], ''));
  const at = Date.parse(now);
  if (Number.isNaN(created) || Number.isNaN(at)) return false;
  return at - created > scheduleWindowMs;
}

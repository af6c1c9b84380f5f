/**
 * Job (kstatus rules). A Job is Current while it runs and after it completes; only a failed Job is Failed:
 * 1. Complete=True → Current; Failed=True → Failed; Suspended=True → Current (a suspended Job is not
 *    waiting for anything). The first of these conditions in the list decides.
 * 2. No status.startTime → InProgress (not started yet).
 * 3. Otherwise Current (running).
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { conditionsOf, describeCondition, intAt, stringAt } from '../read-status.ts';

export function jobHealth(live: KubeObject): Health {
  const parallelism = intAt(live, ['spec', 'parallelism'], 1);
  const completions = intAt(live, ['spec', 'completions'], parallelism);
  const succeeded = intAt(live, ['status', 'succeeded'], 0);
  const active = intAt(live, ['status', 'active'], 0);
  const failed = intAt(live, ['status', 'failed'], 0);

  for (const condition of conditionsOf(live)) {
    if (condition.status !== 'True') continue;
    if (condition.type === 'Complete') {
      return { status: 'Current', message: `Job completed. Succeeded: ${succeeded}/${completions}` };
    }
    if (condition.type === 'Failed') {
      const why = describeCondition(condition);
      return { status: 'Failed', message: `Job failed. Failed pods: ${failed}${why === '' ? '' : ` (${why})`}` };
    }
    if (condition.type === 'Suspended') return { status: 'Current', message: 'Job is suspended' };
  }

  if (stringAt(live, ['status', 'startTime'], '') === '') return { status: 'InProgress', message: 'Job has not started' };
  return {
    status: 'Current',
    message: `Job is running. Succeeded: ${succeeded}, active: ${active}, failed: ${failed}`,
  };
}

/**
 * Namespace: phase Terminating → Terminating (the namespace controller is still emptying it; this also covers
 * a live copy read without its deletionTimestamp). Any other phase → Current. kstatus has no Namespace rule
 * and relies on deletionTimestamp alone.
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { stringAt } from '../read-status.ts';

export function namespaceHealth(live: KubeObject): Health {
  if (stringAt(live, ['status', 'phase'], '') === 'Terminating') {
    return { status: 'Terminating', message: 'Namespace is terminating' };
  }
  return { status: 'Current', message: 'Namespace is active' };
}

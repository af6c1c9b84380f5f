/**
 * CustomResourceDefinition (kstatus rules), conditions read in list order, first match wins:
 * 1. NamesAccepted=False → Failed (the names clash with another CRD).
 * 2. Established=False with a reason other than Installing → Failed.
 * 3. Established=True → Current.
 * 4. Otherwise InProgress (installing).
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { conditionsOf, describeCondition } from '../read-status.ts';

export function customResourceDefinitionHealth(live: KubeObject): Health {
  for (const condition of conditionsOf(live)) {
    if (condition.type === 'NamesAccepted' && condition.status === 'False') {
      return { status: 'Failed', message: `CRD names not accepted: ${describeCondition(condition)}` };
    }
    if (condition.type === 'Established') {
      if (condition.status === 'False' && condition.reason !== 'Installing') {
        return { status: 'Failed', message: `CRD not established: ${describeCondition(condition)}` };
      }
      if (condition.status === 'True') return { status: 'Current', message: 'CRD is established' };
    }
  }
  return { status: 'InProgress', message: 'CRD is being installed' };
}

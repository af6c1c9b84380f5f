/**
 * PersistentVolumeClaim: phase Bound → Current; phase Lost → Failed (its volume is gone and nothing will bring
 * it back; kstatus says InProgress for every phase but Bound); any other phase → InProgress.
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { stringAt } from '../read-status.ts';

export function persistentVolumeClaimHealth(live: KubeObject): Health {
  const phase = stringAt(live, ['status', 'phase'], '');
  if (phase === 'Bound') return { status: 'Current', message: 'PVC is Bound' };
  if (phase === 'Lost') return { status: 'Failed', message: 'PVC lost its volume' };
  return { status: 'InProgress', message: `PVC is not Bound (phase: ${phase === '' ? 'none yet' : phase})` };
}

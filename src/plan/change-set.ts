/**
 * One change-set vocabulary for plan, apply, CLI output, PR comments and the report (STYLE habit 4).
 */

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped';

/**
 * KubeFed's per-cluster propagation words (spec §5.1), plus gitfed's own where KubeFed had none:
 * DeletionGuarded (held by the deletion guard), Orphaned (left in the member without marks), TypeNotServed
 * (the member does not serve the kind), NotManaged (in the inventory but no longer carrying gitfed's marks).
 */
export type PropagationStatus =
  | 'ClusterPropagationOK'
  | 'ApplyOverridesFailed'
  | 'ClusterNotReady'
  | 'ClientRetrievalFailed'
  | 'CreationFailed'
  | 'UpdateFailed'
  | 'DeletionFailed'
  | 'LabelRemovalFailed'
  | 'RetrievalFailed'
  | 'AlreadyExists'
  | 'ManagedLabelFalse'
  | 'WaitingForRemoval'
  | 'DeletionGuarded'
  | 'Orphaned'
  | 'TypeNotServed'
  | 'NotManaged';

export interface Change {
  /** `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
  id: string;
  action: ChangeAction;
  propagation: PropagationStatus;
  /** Fields that differ between live and desired (JSON-pointer-like paths), when configured. */
  fields?: string[];
  /** True when Git did not change but the member did: a hand edit that gitfed put back. */
  drift?: boolean;
  message?: string;
}

export interface ClusterChanges {
  reachable: boolean;
  changes: Change[];
}

/** Statuses after which the object is as desired in the member. */
export function isPropagated(change: Change): boolean {
  return change.propagation === 'ClusterPropagationOK' || change.propagation === 'Orphaned';
}

export function countActions(changes: readonly Change[]): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = { created: 0, configured: 0, unchanged: 0, deleted: 0, skipped: 0 };
  for (const change of changes) counts[change.action]++;
  return counts;
}

export function compareChanges(a: Change, b: Change): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

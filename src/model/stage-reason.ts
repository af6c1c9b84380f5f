/**
 * The stage a failure happened in (STYLE habit 3): one vocabulary for the reconcile recipe, `gitfed apply`, the
 * metrics (`stage` label) and the report. A reason names the step that did not finish, so a reader knows what was
 * and was not done: nothing is written to a member before Observe finishes, nothing is pruned before Apply does.
 */
export type StageReason =
  // the revision
  | 'SourceFetchFailed'
  | 'ManifestInvalid'
  | 'MembersUnavailable'
  // one member
  | 'ClusterNotReady'
  | 'ObserveFailed'
  | 'InventoryReadFailed'
  | 'ApplyFailed'
  | 'PruneFailed'
  | 'InventorySaveFailed'
  | 'HealthCheckFailed'
  // Multi-Cluster Services (one member): the imports, or an export's conditions, could not be written
  | 'ImportFailed'
  | 'ExportStatusFailed'
  // a Rollout's state could not be read or saved, or a held revision could not be rendered (docs/rollouts.md)
  | 'RolloutFailed'
  // the report
  | 'ReportCommitFailed'
  // anything a step did not expect (a bug): still an outcome, never a lost exception
  | 'InternalError';

/** A step of one member that did not finish. */
export interface MemberFailure {
  stage: StageReason;
  message: string;
}

/** gitfed as a library: load a repository, render it, plan replicas. */
export { loadRepo, type LoadRepoOptions } from './source/load-repo.ts';
export { readDirSnapshot } from './source/read-dir-snapshot.ts';
export { loadModel } from './model/load-model.ts';
export type { Snapshot } from './model/snapshot.ts';
export { render, type RenderOptions, type RenderResult } from './render/render.ts';
export type { ReplicaSplit } from './render/schedule-replicas.ts';
export {
  planReplicas,
  schedulingResult,
  type PlanInputs,
  type ReplicaPlan,
  type ReplicaPreferences,
} from './render/plan-replicas.ts';
export { selectClusters, matchesSelector } from './render/select-clusters.ts';
export { GitfedError, type Diagnostic, type DiagnosticCode, type Location } from './model/diagnostic.ts';
export type * from './model/types.ts';
export * as marks from './model/marks.ts';

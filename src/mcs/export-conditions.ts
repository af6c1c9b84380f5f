/**
 * The conditions of one ServiceExport as KEP-1645 / mcs-api v1beta1 define them (pure):
 * - Valid: True (Valid), or False with NoService / InvalidServiceType;
 * - Ready: True (Exported) once the import is in every importing member; False (Pending) while a member's write
 *   failed; False (Failed) for an invalid export;
 * - Conflict: True with the conflict reasons joined by commas on every export of a conflicted service, else False
 *   (NoConflicts).
 * A condition keeps its lastTransitionTime while its status stays (metav1.Condition semantics).
 */
import type { KubeObject } from '../model/types.ts';
import type { Condition } from './mcs-api.ts';
import type { PlannedService } from './plan-imports.ts';

export interface ExportConditionInput {
  service: PlannedService;
  cluster: string;
  /** The ServiceExport as read (its generation and current conditions). */
  live: KubeObject;
  /** Importing members whose write of this service failed in this pass. */
  failedImporters: readonly string[];
  now: string;
}

export function exportConditions(input: ExportConditionInput): Condition[] {
  const { service, cluster } = input;
  const invalid = service.invalid[cluster];
  const valid: Omit<Condition, 'lastTransitionTime'> = invalid
    ? { type: 'Valid', status: 'False', reason: invalid.reason, message: invalid.message }
    : { type: 'Valid', status: 'True', reason: 'Valid', message: 'the Service exists and can be exported' };
  const ready: Omit<Condition, 'lastTransitionTime'> = invalid
    ? { type: 'Ready', status: 'False', reason: 'Failed', message: `not exported: ${invalid.message}` }
    : input.failedImporters.length > 0
      ? { type: 'Ready', status: 'False', reason: 'Pending', message: `the import could not be written to ${input.failedImporters.join(', ')}` }
      : { type: 'Ready', status: 'True', reason: 'Exported', message: `imported into ${service.importers.length} member(s) of the ClusterSet` };
  const conflict: Omit<Condition, 'lastTransitionTime'> =
    service.conflicts.length > 0
      ? { type: 'Conflict', status: 'True', reason: service.conflicts.join(','), message: service.conflictMessages.join('; ') }
      : { type: 'Conflict', status: 'False', reason: 'NoConflicts', message: 'no conflicts with the other exports of this service' };
  const previous = liveConditions(input.live);
  const generation = typeof input.live.metadata.generation === 'number' ? input.live.metadata.generation : undefined;
  return [valid, ready, conflict].map((condition) => {
    const before = previous.find((candidate) => candidate.type === condition.type);
    return {
      ...condition,
      lastTransitionTime: before && before.status === condition.status && before.lastTransitionTime ? before.lastTransitionTime : input.now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
  });
}

/** The conditions differ from what the export holds (ignoring nothing: a changed message is rewritten too). */
export function conditionsChanged(live: KubeObject, next: readonly Condition[]): boolean {
  const previous = liveConditions(live);
  if (previous.length !== next.length) return true;
  return next.some((condition) => {
    const before = previous.find((candidate) => candidate.type === condition.type);
    return !before || before.status !== condition.status || before.reason !== condition.reason || before.message !== condition.message || before.observedGeneration !== condition.observedGeneration;
  });
}

function liveConditions(live: KubeObject): Condition[] {
  return ((live.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
}

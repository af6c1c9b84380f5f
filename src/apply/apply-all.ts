/**
 * The per-member recipe over every member, in three steps that `gitfed apply` and the daemon's reconcile both
 * run: observe (read-only, then the pure decision) → write → prune (+ inventory). Members proceed in parallel
 * within a step; prune starts once every member's writes are done, so an object that moves from one member to
 * another is created on the new one before it is deleted from the old. One member failing, or being away,
 * never stops or hides the others (STYLE habit 9): its failure is an outcome with a stage reason, and any
 * exception a step did not expect becomes one too (InternalError), never a rejected pass.
 */
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { GitfedError, type Diagnostic } from '../model/diagnostic.ts';
import { identityOf, resourceId } from '../model/identity.ts';
import { allowMassDeletionAnnotation } from '../model/marks.ts';
import type { MemberFailure, StageReason } from '../model/stage-reason.ts';
import type { Cluster } from '../model/types.ts';
import { compareChanges, isPropagated, type Change, type ClusterChanges } from '../plan/change-set.ts';
import type { MemberPolicy } from '../plan/decide-member.ts';
import { heldObjects } from '../plan/held-objects.ts';
import type { RenderResult } from '../render/render.ts';
import { pruneMember, writeMember, type WrittenMember } from './execute-member.ts';
import { observeMember, type ObservedMember } from './observe-member.ts';
import { report as reportProgress, type ProgressSink, type ProgressStage } from './progress.ts';

export interface ApplyOptions extends Omit<MemberPolicy, 'allowMassDeletion'> {
  /** Stop after observe + decide: report what would change, write nothing. */
  dryRun: boolean;
  /** Lift the deletion guard everywhere (else per member through the KubeFedCluster annotation). */
  allowMassDeletion: boolean;
  /** Progress per member as the work goes (apply/progress.ts); nothing when absent. */
  onProgress?: ProgressSink;
}

export interface MemberApplyResult extends ClusterChanges {
  /** Why the member was not reachable. */
  message?: string;
  /** Steps of this member that did not finish, with their stage reasons (absent when none). */
  failures?: MemberFailure[];
  /** The inventory after the pass (absent on a dry run or when it could not be saved). */
  inventory?: { entries: number; bytes: number; written: boolean };
}

export interface ApplyReport {
  revision: string | null;
  clusters: Record<string, MemberApplyResult>;
}

/** Members that have no client (no kubeconfig context, say) are reported, not skipped silently. */
export type MemberClients = ReadonlyMap<string, ClusterClient | { unavailable: string }>;

/** One member between steps: finished (failed early, or nothing left to do) or carried to the next step. */
export type MemberPass =
  | { cluster: string; step: 'done'; result: MemberApplyResult }
  | { cluster: string; step: 'observed'; member: ObservedMember }
  | { cluster: string; step: 'written'; member: WrittenMember };

export type MemberPasses = MemberPass[];

/** Step 1: observe every member and decide its change set. */
export async function observeMembers(
  rendered: RenderResult,
  clusters: readonly Cluster[],
  clients: MemberClients,
  options: ApplyOptions,
): Promise<MemberPasses> {
  const held = heldObjects(rendered);
  const annotations = new Map(clusters.map((cluster) => [cluster.name, cluster.annotations ?? {}]));
  return Promise.all(
    Object.entries(rendered.clusters).map(async ([cluster, objects]): Promise<MemberPass> => {
      const client = clients.get(cluster);
      if (!client || 'unavailable' in client) {
        const message = client?.unavailable ?? 'no client for this member';
        failed(options.onProgress, cluster, 'observe', 'ClusterNotReady', message);
        return done(cluster, unreachable(objects.map((object) => resourceId(identityOf(object))), 'ClientRetrievalFailed', message, 'ClusterNotReady'));
      }
      const policy: MemberPolicy = {
        instance: options.instance,
        adopt: options.adopt,
        conflicts: options.conflicts,
        deletionGuard: options.deletionGuard,
        allowMassDeletion: options.allowMassDeletion || annotations.get(cluster)?.[allowMassDeletionAnnotation] === 'true',
      };
      try {
        return { cluster, step: 'observed', member: await observeMember({ cluster, objects, held }, client, policy, options.onProgress) };
      } catch (err) {
        // A member that answers but could not be read (a list refused, an unreadable inventory) is KubeFed's
        // RetrievalFailed; one that does not answer is ClusterNotReady. Either way nothing was written to it.
        const failure = failureOf(err, 'ObserveFailed');
        const ids = objects.map((object) => resourceId(identityOf(object)));
        const away = failure.stage === 'ClusterNotReady';
        failed(options.onProgress, cluster, 'observe', failure.stage, failure.message);
        return done(cluster, { ...unreachable(ids, away ? 'ClusterNotReady' : 'RetrievalFailed', failure.message, failure.stage), reachable: !away });
      }
    }),
  );
}

/** What a dry run reports: the decisions, as if every write succeeded. */
export function decidedReport(revision: string | null, passes: MemberPasses): ApplyReport {
  return reportOf(revision, passes, (member) => ({
    reachable: true,
    changes: [...member.decision.objects.map((entry) => entry.change), ...member.decision.prune.map((entry) => entry.change)].sort(compareChanges),
  }));
}

/** Step 2: every member's writes. */
export function writeMembers(passes: MemberPasses, options: { onProgress?: ProgressSink } = {}): Promise<MemberPasses> {
  return Promise.all(
    passes.map(async (pass): Promise<MemberPass> => {
      if (pass.step !== 'observed') return pass;
      try {
        return { cluster: pass.cluster, step: 'written', member: await writeMember(pass.member, options) };
      } catch (err) {
        const result = internalFailure(pass.member, err, 'ApplyFailed');
        failed(options.onProgress, pass.cluster, 'write', result.failures![0]!.stage, result.failures![0]!.message);
        return done(pass.cluster, result);
      }
    }),
  );
}

/** Step 3: every member's prune and inventory save. */
export async function pruneMembers(revision: string | null, passes: MemberPasses, options: { onProgress?: ProgressSink } = {}): Promise<ApplyReport> {
  const pruned = await Promise.all(
    passes.map(async (pass): Promise<MemberPass> => {
      if (pass.step !== 'written') return pass;
      let result: MemberApplyResult;
      try {
        result = withoutEmptyFailures(await pruneMember(pass.member, options));
      } catch (err) {
        result = internalFailure(pass.member, err, 'PruneFailed');
      }
      const failure = result.failures?.[0];
      if (failure) failed(options.onProgress, pass.cluster, 'prune', failure.stage, failure.message);
      else finished(options.onProgress, pass.cluster, 'prune');
      return done(pass.cluster, result);
    }),
  );
  return reportOf(revision, pruned, (member) => internalFailure(member, new Error('the member was not pruned'), 'InternalError'));
}

/** The three steps in a row (a dry run stops after the first): what `gitfed apply` and tests run. */
export async function applyAll(rendered: RenderResult, clusters: readonly Cluster[], clients: MemberClients, options: ApplyOptions): Promise<ApplyReport> {
  const observed = await observeMembers(rendered, clusters, clients, options);
  if (options.dryRun) {
    for (const pass of observed) if (pass.step === 'observed') finished(options.onProgress, pass.cluster, 'observe');
    return decidedReport(rendered.revision, observed);
  }
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  return pruneMembers(rendered.revision, await writeMembers(observed, progress), progress);
}

function failed(sink: ProgressSink | undefined, cluster: string, stage: ProgressStage, reason: StageReason, message: string): void {
  reportProgress(sink, { cluster, stage, done: 0, total: 0, state: 'failed', message: `${reason}: ${message}` });
}

function finished(sink: ProgressSink | undefined, cluster: string, stage: ProgressStage): void {
  reportProgress(sink, { cluster, stage, done: 0, total: 0, state: 'finished' });
}

/** Load errors (not tied to one cluster) mean the revision is not applied at all. */
export function blockingErrors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.severity === 'error' && !diagnostic.cluster && !diagnostic.clusters);
}

/**
 * Every member reached, every step finished, every object as desired — a deletion the member accepted and is
 * still finishing (a Namespace emptying, finalizers) counts: it is recorded until the next pass sees it gone.
 */
export function isFullyApplied(report: ApplyReport): boolean {
  const settled = (change: Change) => isPropagated(change) || (change.action === 'deleted' && change.propagation === 'WaitingForRemoval');
  return Object.values(report.clusters).every((member) => member.reachable && (member.failures ?? []).length === 0 && member.changes.every(settled));
}

/** Every member failure as a diagnostic (code = stage reason), for `-o json` errors and stderr. */
export function memberFailureDiagnostics(report: ApplyReport): Diagnostic[] {
  return Object.entries(report.clusters).flatMap(([cluster, member]) =>
    (member.failures ?? []).map((failure): Diagnostic => ({ severity: 'error', code: failure.stage === 'InternalError' ? 'InternalError' : failure.stage, message: failure.message, cluster })),
  );
}

function reportOf(revision: string | null, passes: MemberPasses, unfinished: (member: ObservedMember) => MemberApplyResult): ApplyReport {
  const clusters: Record<string, MemberApplyResult> = {};
  for (const pass of passes) clusters[pass.cluster] = pass.step === 'done' ? pass.result : unfinished(pass.member);
  return { revision, clusters };
}

function done(cluster: string, result: MemberApplyResult): MemberPass {
  return { cluster, step: 'done', result };
}

function withoutEmptyFailures(result: MemberApplyResult): MemberApplyResult {
  if (result.failures && result.failures.length === 0) {
    const { failures: _failures, ...rest } = result;
    return rest;
  }
  return result;
}

function unreachable(ids: readonly string[], propagation: Change['propagation'], message: string, stage: StageReason): MemberApplyResult {
  return {
    reachable: false,
    message,
    changes: ids.map((id): Change => ({ id, action: 'skipped', propagation, message })).sort(compareChanges),
    failures: [{ stage, message }],
  };
}

/** A step threw where it should have returned an outcome: the member is reported, nothing else is lost. */
function internalFailure(member: ObservedMember, err: unknown, stage: StageReason): MemberApplyResult {
  const failure = failureOf(err, stage);
  return {
    reachable: true,
    changes: member.decision.objects.map((entry) => ({ ...entry.change, ...(entry.write ? { action: 'skipped' as const, propagation: 'UpdateFailed' as const, message: failure.message } : {}) })).sort(compareChanges),
    failures: [failure],
  };
}

/** A stage error carries its own stage; anything else is the step's. */
function failureOf(err: unknown, stage: StageReason): MemberFailure {
  if (err instanceof GitfedError && isStageCode(err.code)) return { stage: err.code, message: err.message };
  return { stage, message: err instanceof Error ? err.message : String(err) };
}

const stageCodes: ReadonlySet<string> = new Set<StageReason>(['ClusterNotReady', 'ObserveFailed', 'InventoryReadFailed', 'ApplyFailed', 'PruneFailed', 'InventorySaveFailed']);

function isStageCode(code: string): code is StageReason {
  return stageCodes.has(code);
}

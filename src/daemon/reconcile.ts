/**
 * The reconcile recipe, top to bottom: fetch → load → render → apply → health → report. Each step that can fail
 * carries its stage reason; a failed step never undoes what is in force: a revision with load errors is not
 * applied, the last good revision stays, and the report says why.
 */
import type { Logger } from 'pino';
import { applyAll, blockingErrors, type ApplyReport } from '../apply/apply-all.ts';
import { readLiveStatus, type MemberStatus } from '../apply/live-status.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Cluster } from '../model/types.ts';
import { loadModel } from '../model/load-model.ts';
import type { Snapshot } from '../model/snapshot.ts';
import { countActions } from '../plan/change-set.ts';
import { defaultDeletionGuard } from '../plan/deletion-guard.ts';
import { render, type RenderResult } from '../render/render.ts';
import { buildReport, type FailureStage } from '../report/build-report.ts';
import { formatReportMarkdown } from '../report/format-report-markdown.ts';
import { formatReportYaml } from '../report/format-report-yaml.ts';
import type { DaemonMetrics } from './metrics.ts';
import type { MemberPool } from './member-pool.ts';
import type { TriggerReason } from './reconcile-queue.ts';

/** Where manifests come from and where the report goes: a Git remote, or a plain directory. */
export interface ManifestSource {
  /** The newest revision (null for a directory) and whether it differs from the last one fetched. */
  fetch(): Promise<{ revision: string | null; changed: boolean }>;
  snapshot(revision: string | null): Promise<Snapshot>;
  /** Every file that differs between the two revisions is under the report folder. */
  onlyReportChanged(from: string, to: string): Promise<boolean>;
  /** The commit whose manifests `tip` carries (the tip, unless it is gitfed's own report commit). */
  manifestsRevision(tip: string): Promise<string>;
  /** Publishes the report files (relative to the report folder) when their bytes changed. */
  publishReport(files: ReadonlyMap<string, string>, message: string): Promise<{ published: boolean; revision: string | null }>;
}

export interface ReconcileOptions {
  instance: string;
  adopt: boolean;
  allowMassDeletion: boolean;
}

export interface ReconcileDeps {
  source: ManifestSource;
  members: MemberPool;
  metrics: DaemonMetrics;
  logger: Logger;
  now: () => Date;
}

/** What survives between reconciles, in memory only: a restart recomputes all of it. */
export interface ReconcileState {
  /** The branch tip last processed (report commits included). */
  synced?: string | null;
  /** The newest revision whose manifests were applied (report-only commits do not move it). */
  applied?: string | null;
  /** The last good render and its clusters, kept in force (and drift-corrected) while newer revisions fail. */
  lastGood?: RenderResult;
  lastGoodClusters?: readonly Cluster[];
  /** The last report could not be published: the next pass publishes again even when nothing moved. */
  reportPending?: boolean;
  /** A complete reconcile has happened (readiness). */
  complete: boolean;
}

export type ReconcileOutcome =
  | { kind: 'idle' }
  | { kind: 'applied'; revision: string | null; report: ApplyReport; reportPublished: boolean }
  | { kind: 'failed'; stage: FailureStage; message: string; revision: string | null };

const livePassReasons: readonly TriggerReason[] = ['startup', 'drift', 'cluster-health', 'file-change'];

export async function reconcile(
  reasons: ReadonlySet<TriggerReason>,
  state: ReconcileState,
  options: ReconcileOptions,
  deps: ReconcileDeps,
): Promise<ReconcileOutcome> {
  const total = deps.metrics.reconcileDuration.startTimer({ stage: 'total' });
  const step = <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const end = deps.metrics.reconcileDuration.startTimer({ stage });
    return work().finally(() => end());
  };
  const livePass = [...reasons].some((reason) => livePassReasons.includes(reason)) || state.reportPending === true;

  // 1. fetch
  const fetchTimer = deps.metrics.gitFetchDuration.startTimer();
  const fetched = await step('fetch', () => deps.source.fetch()).catch((err: unknown) => err as Error);
  fetchTimer();
  if (fetched instanceof Error) {
    deps.metrics.gitFetchErrors.inc();
    await keepLastGoodInForce(deps.logger);
    return stop('SourceFetchFailed', fetched.message, state.applied ?? null);
  }
  const { revision } = fetched;
  if (revision !== null && revision === state.synced && !livePass) return idle();
  if (revision !== null && state.synced && revision !== state.synced && state.applied !== undefined && !livePass) {
    if (await deps.source.onlyReportChanged(state.synced, revision)) {
      state.synced = revision; // our own report commit (or someone else's edit of it): nothing to apply
      return idle();
    }
  }
  const logger = deps.logger.child({ revision: revision ?? 'working tree' });

  // 2. load
  const model = await step('load', async () => loadModel(await deps.source.snapshot(revision)));
  const blocking = blockingErrors(model.diagnostics);
  if (blocking.length > 0) {
    logger.warn({ errors: blocking.length }, 'revision has load errors; nothing from it is applied');
    state.synced = revision;
    await publish(state.lastGood, { revision, stage: 'ManifestInvalid', diagnostics: blocking, message: `${blocking.length} error(s) in the manifests; nothing from this revision was applied` });
    await keepLastGoodInForce(logger);
    return stop('ManifestInvalid', `${blocking.length} load error(s)`, revision);
  }
  const manifestsRevision = await manifestsRevisionOf(revision);

  // 3. render, for the members that are Ready now (RSP splits follow readiness, as in KubeFed)
  const connections = await deps.members.follow(model.clusters.map((cluster) => cluster.name));
  if (!state.complete) await deps.members.probeAll();
  const rendered = await step('render', async () => render(model, { instance: options.instance, availableClusters: deps.members.ready() }));

  // 4. apply
  const applied = await applyRendered(rendered, model.clusters, logger);
  if (applied instanceof Error) {
    logger.error({ err: applied }, 'apply failed');
    return stop('ApplyFailed', applied.message, manifestsRevision);
  }
  const driftCorrected = recordApply(applied);

  // 5. health
  const live = await step('health', () => readLiveStatus(rendered, connections, { instance: options.instance, now: deps.now().toISOString() })).catch(
    (err: unknown) => {
      logger.warn({ err }, 'health read-back failed');
      return undefined;
    },
  );

  // 6. report
  state.lastGood = rendered;
  state.lastGoodClusters = model.clusters;
  state.applied = manifestsRevision;
  state.synced = revision;
  const published = await publish(rendered, undefined, applied, live, driftCorrected);
  state.complete = true;
  deps.metrics.appliedRevision.reset();
  deps.metrics.appliedRevision.set({ revision: manifestsRevision ?? 'working-tree' }, 1);
  total();
  logger.info({ clusters: Object.keys(applied.clusters).length, reportPublished: published }, 'reconciled');
  return { kind: 'applied', revision: manifestsRevision, report: applied, reportPublished: published };

  function applyRendered(rendered: RenderResult, clusters: readonly Cluster[], logger: Logger): Promise<ApplyReport | Error> {
    return step('apply', () =>
      applyAll(rendered, clusters, deps.members.connections(), {
        instance: options.instance,
        dryRun: false,
        adopt: options.adopt,
        conflicts: 'force',
        deletionGuard: defaultDeletionGuard,
        allowMassDeletion: options.allowMassDeletion,
      }, { logger }),
    ).catch((err: unknown) => err as Error);
  }

  /** While Git is away or its newest revision is invalid, a drift pass still puts the last good state back. */
  async function keepLastGoodInForce(logger: Logger): Promise<void> {
    if (!livePass || !state.lastGood || !state.lastGoodClusters) return;
    const applied = await applyRendered(state.lastGood, state.lastGoodClusters, logger);
    if (applied instanceof Error) logger.error({ err: applied }, 'drift correction of the last good revision failed');
    else recordApply(applied);
  }

  function idle(): ReconcileOutcome {
    total();
    return { kind: 'idle' };
  }

  function stop(stage: FailureStage, message: string, failedRevision: string | null): ReconcileOutcome {
    deps.metrics.reconcileFailures.inc({ stage });
    deps.logger.error({ stage, message }, 'reconcile stopped');
    total();
    return { kind: 'failed', stage, message, revision: failedRevision };
  }

  /**
   * A tip that only changed the report keeps the manifests revision it was built on (no report loop). A tip that
   * is gitfed's own report commit on top of someone else's push (the report lost a race and was rebuilt on it)
   * names that push, not the report commit: the source says which commit carries the manifests.
   */
  async function manifestsRevisionOf(tip: string | null): Promise<string | null> {
    if (tip === null || tip === state.applied) return tip;
    if (state.applied && (await deps.source.onlyReportChanged(state.applied, tip))) return state.applied;
    return deps.source.manifestsRevision(tip); // after a restart, or a report commit rebuilt on a push
  }

  function recordApply(report: ApplyReport): Record<string, number> {
    const drift: Record<string, number> = {};
    for (const [cluster, member] of Object.entries(report.clusters)) {
      const counts = countActions(member.changes);
      for (const [action, count] of Object.entries(counts)) deps.metrics.objects.set({ cluster, action }, count);
      const corrected = member.changes.filter((change) => change.drift).length;
      if (corrected > 0) deps.metrics.driftCorrections.inc({ cluster }, corrected);
      drift[cluster] = corrected;
    }
    for (const [cluster, readiness] of deps.members.readiness()) deps.metrics.memberReady.set({ cluster }, readiness.ready ? 1 : 0);
    return drift;
  }

  async function publish(
    shown: RenderResult | undefined,
    failure?: { revision: string | null; stage: FailureStage; diagnostics: Diagnostic[]; message: string },
    appliedReport?: ApplyReport,
    liveStatus?: Record<string, MemberStatus>,
    driftCorrected?: Record<string, number>,
  ): Promise<boolean> {
    const readiness = deps.members.readiness();
    const report = buildReport({
      revision: state.applied ?? null,
      ...(failure ? { failed: failure } : {}),
      clusters: [...readiness].map(([name, ready]) => ({ name, ready: ready.ready, ...(ready.ready ? {} : { message: ready.message }) })),
      rendered: shown ?? emptyRender(),
      ...(appliedReport ? { applied: appliedReport } : {}),
      ...(liveStatus ? { live: liveStatus } : {}),
      ...(driftCorrected ? { driftCorrected } : {}),
    });
    const files = new Map([
      ['report.yaml', formatReportYaml(report)],
      ['README.md', formatReportMarkdown(report)],
    ]);
    const message = failure
      ? `gitfed: status report (${failure.stage} at ${short(failure.revision)})`
      : `gitfed: status report for ${short(state.applied ?? null)}`;
    const result = await step('report', () => deps.source.publishReport(files, message)).catch((err: unknown) => err as Error);
    if (result instanceof Error) {
      deps.metrics.reconcileFailures.inc({ stage: 'ReportCommitFailed' });
      deps.logger.error({ message: result.message }, 'report not published; the next pass publishes it again');
      state.reportPending = true;
      return false;
    }
    state.reportPending = false;
    // The report commit is the synced tip only when it changed nothing but the report since the synced one; when
    // it was rebuilt on someone else's push (a lost race), that push still needs a reconcile.
    if (result.published && result.revision && state.synced && (await deps.source.onlyReportChanged(state.synced, result.revision))) {
      state.synced = result.revision;
    }
    return result.published;
  }
}

function emptyRender(): RenderResult {
  return { revision: null, clusters: {}, diagnostics: [], replicas: [] };
}

function short(revision: string | null): string {
  return revision ? revision.slice(0, 12) : 'the working tree';
}

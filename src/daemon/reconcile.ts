/**
 * The reconcile recipe, top to bottom: fetch → load → members → render → observe → apply → prune → health →
 * report (with a Rollout, a rollout step between render and observe gives each member the revision it holds).
 * Every await is a `step(stage, …)`: a throw becomes an outcome with that stage reason, a log line, a metric and an entry in the report of this pass (or, when the report itself failed, the next one) — never a
 * lost exception. A failed step never undoes what is in force: a revision with load errors is not applied, the
 * last good revision stays, and the report says why. Members fail one by one (their failures come back from
 * the apply steps with stage reasons of their own); one member never fails the pass.
 */
import type { Logger } from 'pino';
import {
  blockingErrors,
  observeMembers,
  pruneMembers,
  writeMembers,
  type ApplyOptions,
  type ApplyReport,
  type MemberClients,
} from '../apply/apply-all.ts';
import { readLiveStatus, type MemberStatus } from '../apply/live-status.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { loadModel } from '../model/load-model.ts';
import type { Snapshot } from '../model/snapshot.ts';
import type { StageReason } from '../model/stage-reason.ts';
import { withFleet } from '../model/merge-members.ts';
import type { Cluster, Model } from '../model/types.ts';
import { countActions, type Change } from '../plan/change-set.ts';
import { defaultDeletionGuard } from '../plan/deletion-guard.ts';
import { render, type RenderResult } from '../render/render.ts';
import { buildReport, type ReportProblem } from '../report/build-report.ts';
import { formatReportFiles } from '../report/report-files.ts';
import type { MemberShard, PassStatus } from './coordinator.ts';
import type { DaemonMetrics } from './metrics.ts';
import type { MemberFleet } from './member-fleet.ts';
import type { MemberPool } from './member-pool.ts';
import type { TriggerReason } from './reconcile-queue.ts';
import type { McsSummary } from '../mcs/summarize-services.ts';
import { newRolloutMemory, observeRolloutHealth, rolloutInMotion, stageRollout, type RolloutMemory } from './rollout-step.ts';

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
  /** Members from Cluster API besides Git's (absent: Git's KubeFedClusters only). */
  fleet?: MemberFleet;
  /** Replicas sharing the members through Leases (absent: this replica applies every member, commits every report). */
  shard?: MemberShard;
  metrics: DaemonMetrics;
  logger: Logger;
  now: () => Date;
  /** The Multi-Cluster Services controller's last summary, for the report (absent: the feature is off). */
  multiclusterServices?: () => McsSummary | undefined;
  /** Validates what members receive (src/validate/); its ObjectInvalid errors hold objects in their clusters. */
  validate?: (rendered: RenderResult, model: Model) => Promise<RenderResult>;
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
  /** Steps that failed in a pass whose report could not say so: the next report does. */
  unreported?: ReportProblem[];
  /** A complete reconcile has happened (readiness). */
  complete: boolean;
  /** The Rollout's state, health and held renders (its state is also saved in the members: a restart resumes). */
  rollout?: RolloutMemory;
}

export type ReconcileOutcome =
  | { kind: 'idle' }
  | { kind: 'applied'; revision: string | null; report: ApplyReport; reportPublished: boolean; problems: ReportProblem[] }
  | { kind: 'failed'; stage: StageReason; message: string; revision: string | null };

const livePassReasons: readonly TriggerReason[] = ['startup', 'drift', 'cluster-health', 'file-change', 'coordination', 'multicluster-services'];

/** Statuses that mean a write or delete gitfed tried was refused (not a policy that held it back). */
const failedStatuses: ReadonlySet<string> = new Set(['CreationFailed', 'UpdateFailed', 'DeletionFailed', 'LabelRemovalFailed', 'RetrievalFailed']);
const maxLoggedFailures = 20;

type Stepped<T> = { ok: true; value: T } | { ok: false; problem: ReportProblem };

export async function reconcile(
  reasons: ReadonlySet<TriggerReason>,
  state: ReconcileState,
  options: ReconcileOptions,
  deps: ReconcileDeps,
): Promise<ReconcileOutcome> {
  const total = deps.metrics.reconcileDuration.startTimer({ stage: 'total' });
  const problems: ReportProblem[] = [...(state.unreported ?? [])];
  /** Problems a published report of this pass carries (a stop does not carry them to the next report again). */
  const reported = new WeakSet<ReportProblem>();
  state.unreported = [];
  let logger = deps.logger;
  /** Runs one step: its time is measured, a throw is that stage's problem (logged, counted, reported). */
  const step = async <T>(stage: StageReason, name: string, work: () => T | Promise<T>): Promise<Stepped<T>> => {
    const end = deps.metrics.reconcileDuration.startTimer({ stage: name });
    try {
      return { ok: true, value: await work() };
    } catch (err) {
      const problem = { stage, message: err instanceof Error ? err.message : String(err) };
      deps.metrics.reconcileFailures.inc({ stage });
      logger.error({ stage, step: name, message: problem.message }, 'reconcile step failed');
      problems.push(problem);
      return { ok: false, problem };
    } finally {
      end();
    }
  };
  const livePass =
    [...reasons].some((reason) => livePassReasons.includes(reason)) || state.reportPending === true || rolloutInMotion(state.rollout);

  // 1. fetch
  const fetchTimer = deps.metrics.gitFetchDuration.startTimer();
  const fetched = await step('SourceFetchFailed', 'fetch', () => deps.source.fetch());
  fetchTimer();
  if (!fetched.ok) {
    deps.metrics.gitFetchErrors.inc();
    await keepLastGoodInForce();
    return stop(fetched.problem, state.applied ?? null);
  }
  const { revision } = fetched.value;
  if (revision !== null && revision === state.synced && !livePass) return idle();
  if (revision !== null && state.synced && revision !== state.synced && state.applied !== undefined && !livePass) {
    const synced = state.synced;
    const reportOnly = await step('SourceFetchFailed', 'fetch', () => deps.source.onlyReportChanged(synced, revision));
    if (!reportOnly.ok) return stop(reportOnly.problem, revision);
    if (reportOnly.value) {
      state.synced = revision; // our own report commit (or someone else's edit of it): nothing to apply
      return idle();
    }
  }
  logger = deps.logger.child({ revision: revision ?? 'working tree' });

  // 2. load
  const snapshot = await step('SourceFetchFailed', 'load', () => deps.source.snapshot(revision));
  if (!snapshot.ok) return stop(snapshot.problem, revision);
  const loaded = await step('ManifestInvalid', 'load', () => loadModel(snapshot.value));
  if (!loaded.ok) return stop(loaded.problem, revision);
  let model = loaded.value;
  const blocking = blockingErrors(model.diagnostics);
  if (blocking.length > 0) {
    logger.warn({ errors: blocking.length }, 'revision has load errors; nothing from it is applied');
    state.synced = revision;
    const message = `${blocking.length} error(s) in the manifests; nothing from this revision was applied`;
    await publish(state.lastGood, { failure: { revision, stage: 'ManifestInvalid', diagnostics: blocking, message } });
    await keepLastGoodInForce();
    deps.metrics.reconcileFailures.inc({ stage: 'ManifestInvalid' });
    return stop({ stage: 'ManifestInvalid', message: `${blocking.length} load error(s)` }, revision);
  }
  const manifests = await step('SourceFetchFailed', 'load', () => manifestsRevisionOf(revision));
  if (!manifests.ok) return stop(manifests.problem, revision);
  const manifestsRevision = manifests.value;

  // 3. members: a client per declared member (Git's, plus Cluster API's read now), and readiness (RSP splits follow it, as in KubeFed)
  const followed = await step('MembersUnavailable', 'members', async () => {
    const fleet = deps.fleet ? await deps.fleet.resolve(model.clusters) : undefined;
    const names = fleet?.fleet.members.map((member) => member.name) ?? model.clusters.map((cluster) => cluster.name);
    await deps.members.follow(names, fleet?.credentials);
    if (!state.complete) await deps.members.probeAll();
    // With replicas: this replica's share, its claims written to its Lease before anything is written to a member.
    if (deps.shard) await deps.shard.follow(names);
    return fleet?.fleet;
  });
  if (!followed.ok) {
    await publish(state.lastGood);
    return stop(followed.problem, manifestsRevision);
  }
  if (followed.value) model = withFleet(model, followed.value);

  // 4. render
  const rendered = await step('InternalError', 'render', async () => {
    const result = render(model, { instance: options.instance, availableClusters: deps.members.ready() });
    return deps.validate ? deps.validate(result, model) : result;
  });
  if (!rendered.ok) return stop(rendered.problem, manifestsRevision);

  // 5–7. observe + decide, apply, prune: per member, each member's failures carry their own stage reasons
  // 4b. rollout: with a Rollout, each member gets the governed objects of the revision it holds (rollout-step.ts)
  const staged = await step('RolloutFailed', 'rollout', () =>
    stageRollout(model, rendered.value, (state.rollout ??= newRolloutMemory()), {
      clients: ownShare(rendered.value).clients,
      snapshot: (held) => deps.source.snapshot(held),
      instance: options.instance,
      availableClusters: deps.members.ready(),
      now: deps.now(),
      logger,
      metrics: deps.metrics,
    }),
  );
  if (!staged.ok) {
    await publish(state.lastGood);
    return stop(staged.problem, manifestsRevision);
  }
  problems.push(...staged.value.problems);
  const desired = staged.value.rendered;

  const applied = await applyRendered(desired, model.clusters);
  if (!applied) {
    await publish(desired);
    return stop(problems.at(-1)!, manifestsRevision);
  }
  const driftCorrected = recordApply(applied);

  // 8. health (of the members this replica wrote to)
  const live = await step('HealthCheckFailed', 'health', () => {
    const { shown, clients } = ownShare(desired);
    return readLiveStatus(shown, clients, { instance: options.instance, now: deps.now().toISOString() });
  });

  if (live.ok) observeRolloutHealth(state.rollout, live.value);

  // 9. report
  state.lastGood = desired;
  state.lastGoodClusters = model.clusters;
  state.applied = manifestsRevision;
  state.synced = revision;
  // With replicas: every replica publishes its members' status; the leader reports every member's.
  const own = { applied, ...(live.ok ? { live: live.value } : {}), driftCorrected };
  const shared = deps.shard
    ? await step('ReportCommitFailed', 'report', () => shareWithLeader(deps.shard!, Object.keys(desired.clusters), own))
    : { ok: true as const, value: own };
  const published = shared.ok && shared.value ? await publish(desired, shared.value) : false;
  carryUnreported();
  state.complete = true;
  deps.metrics.appliedRevision.reset();
  deps.metrics.appliedRevision.set({ revision: manifestsRevision ?? 'working-tree' }, 1);
  total();
  logger.info({ clusters: Object.keys(applied.clusters).length, reportPublished: published, problems: problems.length }, 'reconciled');
  return { kind: 'applied', revision: manifestsRevision, report: applied, reportPublished: published, problems };

  /** The per-member recipe (apply/apply-all.ts), step by step; undefined when a step itself failed. */
  async function applyRendered(shown: RenderResult, clusters: readonly Cluster[]): Promise<ApplyReport | undefined> {
    const applyOptions: ApplyOptions = {
      instance: options.instance,
      dryRun: false,
      adopt: options.adopt,
      conflicts: 'force',
      deletionGuard: defaultDeletionGuard,
      allowMassDeletion: options.allowMassDeletion,
    };
    const share = ownShare(shown);
    const observed = await step('ObserveFailed', 'observe', () => observeMembers(share.shown, clusters, share.clients, applyOptions));
    if (!observed.ok) return undefined;
    const written = await step('ApplyFailed', 'apply', () => writeMembers(observed.value));
    if (!written.ok) return undefined;
    const pruned = await step('PruneFailed', 'prune', () => pruneMembers(shown.revision, written.value));
    return pruned.ok ? pruned.value : undefined;
  }

  /**
   * What this replica writes to: every member, or with replicas only the members it may write now (a member it
   * does not own is neither observed for writing nor reported as failed here; its owner reports it).
   */
  function ownShare(shown: RenderResult): { shown: RenderResult; clients: MemberClients } {
    if (!deps.shard) return { shown, clients: deps.members.connections() };
    const clients = deps.shard.clients(deps.members.connections());
    return { shown: { ...shown, clusters: Object.fromEntries(Object.entries(shown.clusters).filter(([cluster]) => clients.has(cluster))) }, clients };
  }

  /** While Git is away or its newest revision is invalid, a drift pass still puts the last good state back. */
  async function keepLastGoodInForce(): Promise<void> {
    if (!livePass || !state.lastGood || !state.lastGoodClusters) return;
    const applied = await applyRendered(state.lastGood, state.lastGoodClusters);
    if (applied) recordApply(applied);
  }

  /**
   * Publishes this replica's members and its problems so far for the leader's report (they count as reported once
   * published: the leader's next report carries them); on the leader, returns everyone's.
   */
  async function shareWithLeader(shard: MemberShard, wanted: readonly string[], own: PassStatus): Promise<PassStatus | undefined> {
    const mine = [...problems];
    const merged = await shard.share(manifestsRevision, wanted, { ...own, problems: mine });
    if (!shard.isLeader()) for (const problem of mine) reported.add(problem);
    return merged;
  }

  /** Problems no published report carried yet wait for the next one. */
  function carryUnreported(): void {
    state.unreported = problems.filter((problem) => !reported.has(problem));
  }

  function idle(): ReconcileOutcome {
    total();
    return { kind: 'idle' };
  }

  /** The pass ends early; its problems (this one included) go into the next report that can be published. */
  async function stop(problem: ReportProblem, failedRevision: string | null): Promise<ReconcileOutcome> {
    if (deps.shard && !deps.shard.isLeader()) {
      // The leader's next report says why this replica's pass stopped, even while it stops again and again.
      const mine = [...problems];
      const shared = await deps.shard.shareProblems(mine).then(
        () => true,
        (err: unknown) => {
          deps.metrics.reconcileFailures.inc({ stage: 'ReportCommitFailed' });
          logger.error({ stage: 'ReportCommitFailed', message: err instanceof Error ? err.message : String(err) }, 'problems not published for the leader');
          return false;
        },
      );
      if (shared) for (const p of mine) reported.add(p);
    }
    carryUnreported();
    total();
    return { kind: 'failed', stage: problem.stage, message: problem.message, revision: failedRevision };
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
      for (const failure of member.failures ?? []) {
        deps.metrics.memberFailures.inc({ cluster, stage: failure.stage });
        logger.warn({ cluster, stage: failure.stage, message: failure.message }, 'member step failed');
      }
      logObjectFailures(cluster, member.changes);
    }
    for (const [cluster, readiness] of deps.members.readiness()) deps.metrics.memberReady.set({ cluster }, readiness.ready ? 1 : 0);
    return drift;
  }

  /** One line per object that failed in a member (the first few: the report lists them all). */
  function logObjectFailures(cluster: string, changes: readonly Change[]): void {
    const failed = changes.filter((change) => failedStatuses.has(change.propagation));
    for (const change of failed.slice(0, maxLoggedFailures)) {
      logger.warn({ cluster, resource: change.id, status: change.propagation, message: change.message }, 'object not applied');
    }
    if (failed.length > maxLoggedFailures) logger.warn({ cluster, more: failed.length - maxLoggedFailures }, 'more objects not applied; see the report');
  }

  /** Builds and publishes the report; every problem it carries counts as reported once it is published. */
  async function publish(
    shown: RenderResult | undefined,
    extra: {
      failure?: { revision: string | null; stage: StageReason; diagnostics: Diagnostic[]; message: string };
      applied?: ApplyReport;
      live?: Record<string, MemberStatus>;
      driftCorrected?: Record<string, number>;
      /** Other replicas' problems, merged by the leader. */
      problems?: readonly ReportProblem[];
    } = {},
  ): Promise<boolean> {
    // Only the leader commits; the others' problems reach it through their published status (shareWithLeader).
    if (deps.shard && !deps.shard.isLeader()) return false;
    const carried = [...problems, ...(extra.problems ?? [])];
    const readiness = deps.members.readiness();
    const report = buildReport({
      revision: state.applied ?? null,
      ...(extra.failure ? { failed: extra.failure } : {}),
      clusters: [...readiness].map(([name, ready]) => ({ name, ready: ready.ready, ...(ready.ready ? {} : { message: ready.message }), ...deps.fleet?.describe(name) })),
      rendered: shown ?? emptyRender(),
      ...(extra.applied ? { applied: extra.applied } : {}),
      ...(extra.live ? { live: extra.live } : {}),
      ...(extra.driftCorrected ? { driftCorrected: extra.driftCorrected } : {}),
      problems: carried,
      ...(deps.multiclusterServices?.() ? { multiclusterServices: deps.multiclusterServices()! } : {}),
      ...(state.rollout?.status ? { rollout: state.rollout.status } : {}),
    });
    // report.yaml, README.md and, for a large fleet, the detail pages (the source replaces details/ whole).
    const files = formatReportFiles(report);
    const message = extra.failure
      ? `gitfed: status report (${extra.failure.stage} at ${short(extra.failure.revision)})`
      : `gitfed: status report for ${short(state.applied ?? null)}`;
    const result = await step('ReportCommitFailed', 'report', () => deps.source.publishReport(files, message));
    if (!result.ok) {
      state.reportPending = true;
      return false;
    }
    for (const problem of carried) reported.add(problem);
    state.reportPending = false;
    // The report commit is the synced tip only when it changed nothing but the report since the synced one; when
    // it was rebuilt on someone else's push (a lost race), that push still needs a reconcile.
    const { published, revision: reportRevision } = result.value;
    if (published && reportRevision && state.synced) {
      const synced = state.synced;
      const reportOnly = await step('SourceFetchFailed', 'report', () => deps.source.onlyReportChanged(synced, reportRevision));
      if (reportOnly.ok && reportOnly.value) state.synced = reportRevision;
    }
    return published;
  }
}

function emptyRender(): RenderResult {
  return { revision: null, clusters: {}, diagnostics: [], replicas: [] };
}

function short(revision: string | null): string {
  return revision ? revision.slice(0, 12) : 'the working tree';
}

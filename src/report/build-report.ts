/**
 * The status report gitfed commits back to Git (`<report-path>/report.yaml`, and the README.md page built from
 * it): what revision is in force, what each member holds for each federated object, what went wrong and where.
 *
 * Pure and deterministic: no clock, no disk, no Git. The same inputs give byte-identical output whatever order
 * their lists come in, so the report is committed only when something really changed (STYLE habit 5).
 *
 * Rules:
 * 1. Clusters are every name the inputs mention (declared, rendered, applied, read back), sorted. `ready` comes
 *    from `clusters[]`; a cluster it does not list counts as not ready. Its message is the given one, else the
 *    apply's (member unreachable, inventory not saved), else the read-back's. Its `source` (`git`,
 *    `capi/<namespace>`) and Cluster API state are copied when given (only with a member source configured).
 * 2. Resources are the member objects of the rendered revision, keyed `Kind/namespace/name`, sorted by federated
 *    object then id. The federated object comes from the `gitfed.io/federated-object` annotation; an object that
 *    failed to render in every cluster has none, so it is named the KubeFed way (`Federated<Kind>/ns/name`).
 * 3. A resource lists a cluster when it is placed there (rendered) or failed to render there (a per-cluster
 *    render error such as ApplyOverridesFailed). Clusters it is not placed on are left out (∅ on the page).
 * 4. Propagation per cluster, first that applies: the render error; the apply's status when it is a problem; the
 *    read-back's when it is a problem; the apply's; the read-back's; ClusterNotReady when the cluster is not
 *    ready; PropagationUnknown (nothing said anything about it).
 * 5. Health per cluster is the read-back's (status, replicas as `ready/desired`); Unknown without one.
 * 6. A cell's message is the propagation problem's message, else the health message when not Current; the
 *    member's own unreachable message is not repeated on every object. Messages are one line, at most
 *    {@link maxMessageLength} characters.
 * 7. Counts per cluster: objects listed there, all six health states (zeros included, so the shape never
 *    changes), one key per propagation problem present, and `errors` (objects not propagated as desired:
 *    everything but ClusterPropagationOK, Orphaned and PropagationUnknown).
 * 8. Drift: per cluster, objects whose apply corrected a hand edit (`drift: true`); the corrected count is
 *    `driftCorrected[cluster]` when given, else the number of those objects. Only clusters with drift.
 * 9. Pruning: objects that left Git but are not confirmed gone from a member (WaitingForRemoval, DeletionFailed,
 *    DeletionGuarded, LabelRemovalFailed, a member lost mid-prune). Deleted, orphaned and forgotten (NotManaged)
 *    objects are not listed: they need nothing more.
 * 10. errors/warnings are the rendered revision's diagnostics (load and render) with file:line; the failure
 *    carries the errors of the revision that could not be applied.
 * 11. Secrets: no object body is ever copied; `fields` are dropped for Secret objects; every message passes
 *    through the redactor (model/secret-values.ts), and messages about Secret objects lose quoted values too.
 * 12. No wall-clock: nothing in here reads the time; timestamps belong in the commit, not the body.
 */
import type { McsSummary } from '../mcs/summarize-services.ts';
import type { RolloutStatus } from '../rollout/rollout-state.ts';
import { reportRollout, type ReportRollout } from './report-rollout.ts';
import type { CapiState } from '../model/capi-cluster.ts';
import type { MemberSourceName } from '../model/merge-members.ts';
import type { ApplyReport } from '../apply/apply-all.ts';
import type { MemberStatus, ObjectStatus } from '../apply/live-status.ts';
import { healthStatuses } from '../health/aggregate-health.ts';
import type { HealthStatus } from '../health/compute-health.ts';
import { compareDiagnostics, compareText, type Diagnostic } from '../model/diagnostic.ts';
import { federatedObjectAnnotation } from '../model/marks.ts';
import { identityOf, parseResourceId, resourceId } from '../model/identity.ts';
import type { StageReason } from '../model/stage-reason.ts';
import type { KubeObject } from '../model/types.ts';
import type { Change, PropagationStatus } from '../plan/change-set.ts';
import type { RenderResult } from '../render/render.ts';
import { isSecretKind, redactorFor } from '../model/secret-values.ts';

// ---- input ------------------------------------------------------------------------------------------------

/** The reconcile stage that failed (STYLE habit 3): the one vocabulary of model/stage-reason.ts. */
export type FailureStage = StageReason;

/** A step of the pass that did not finish, for one cluster or (no cluster) for the whole pass. */
export interface ReportProblem {
  stage: StageReason;
  message: string;
  cluster?: string;
}

export interface ReportFailureInput {
  /** The newest revision, the one that could not be applied (null when it could not even be fetched). */
  revision: string | null;
  stage: FailureStage;
  message: string;
  /** Its diagnostics; the errors among them go into the report. */
  diagnostics: readonly Diagnostic[];
}

export interface ReportClusterInput {
  name: string;
  ready: boolean;
  message?: string;
  /** Where the member was declared (`git`, `capi/<namespace>`); given only when a member source is configured. */
  source?: MemberSourceName;
  /** Cluster API's view of a discovered member. */
  capi?: ReportCapiState;
}

export interface ReportCapiState {
  namespace: string;
  state: CapiState;
  message: string;
}

export interface ReportInput {
  /** The manifests revision in force (the last one applied). */
  revision: string | null;
  /** The newest revision that could not be applied, while `revision` stays the last good one. */
  failed?: ReportFailureInput;
  /** Every member with its readiness. */
  clusters: readonly ReportClusterInput[];
  /** The rendering of `revision`. */
  rendered: RenderResult;
  /** This pass's apply, when there was one. */
  applied?: ApplyReport;
  /** Health read back from the members. */
  live?: Readonly<Record<string, MemberStatus>>;
  /** Objects whose drift was corrected this pass, per cluster. */
  driftCorrected?: Readonly<Record<string, number>>;
  /** Steps of the pass that did not finish, besides the members' own (which come with `applied`). */
  problems?: readonly ReportProblem[];
  /** The Multi-Cluster Services controller's last pass (--multicluster-services), shown as it is. */
  multiclusterServices?: McsSummary;
  /** The Rollout's progress, when the repository has one (report-rollout.ts). */
  rollout?: RolloutStatus;
}

// ---- output -----------------------------------------------------------------------------------------------

export const reportApiVersion = 'gitfed.io/v1alpha1';
export const reportKind = 'StatusReport';

/** A KubeFed propagation word, or gitfed's two for what it cannot put in those words (rule 4). */
export type ReportPropagation = PropagationStatus | 'RenderFailed' | 'PropagationUnknown';

/** Propagation statuses that say the object is not in the member as desired (rule 7). */
export type PropagationProblem = Exclude<ReportPropagation, 'ClusterPropagationOK' | 'Orphaned' | 'PropagationUnknown'>;

/** Per cluster: objects, six health keys, one key per problem present, errors (rule 7). */
export type ReportCounts = { objects: number } & Record<HealthStatus, number> &
  Partial<Record<PropagationProblem, number>> & { errors: number };

export interface ReportCluster {
  name: string;
  ready: boolean;
  message?: string;
  source?: MemberSourceName;
  capi?: ReportCapiState;
  /** Steps of this member that did not finish in the last pass, with their stage reasons. */
  failures?: { stage: StageReason; message: string }[];
  counts: ReportCounts;
}

/** One member object in one cluster. */
export interface ReportPlacement {
  /** The cluster. */
  name: string;
  propagation: ReportPropagation;
  health: HealthStatus;
  /** Workloads: `ready/desired`. */
  replicas?: string;
  message?: string;
}

export interface ReportResource {
  kind: string;
  namespace?: string;
  name: string;
  /** `FederatedDeployment/shop/web`. */
  federatedObject: string;
  clusters: ReportPlacement[];
}

export interface ReportReplicaSplit {
  /** `namespace/name` of the ReplicaSchedulingPreference. */
  preference: string;
  /** `FederatedDeployment/namespace/name`. */
  target: string;
  totalReplicas: number;
  /** Cluster → replicas, sorted by cluster. */
  clusters: Record<string, number>;
}

export interface ReportDrift {
  cluster: string;
  /** Objects put back this pass. */
  corrected: number;
  objects: { id: string; fields?: string[] }[];
}

export interface ReportPruning {
  cluster: string;
  kind: string;
  namespace?: string;
  name: string;
  propagation: ReportPropagation;
  message?: string;
}

export interface ReportDiagnostic {
  code: string;
  message: string;
  file?: string;
  line?: number;
  field?: string;
  cluster?: string;
  /** Several clusters sharing the problem (validation). */
  clusters?: string[];
  resource?: string;
}

export interface ReportFailure {
  revision: string | null;
  stage: FailureStage;
  message: string;
  errors: ReportDiagnostic[];
}

export interface ReportSummary {
  clusters: number;
  clustersReady: number;
  /** Member objects over all clusters (one per resource and cluster listed). */
  objects: number;
  /** Of those, how many are Current. */
  current: number;
  /** Of those, how many have a propagation problem. */
  propagationErrors: number;
  /** errors of the revision in force plus those of the failed revision. */
  errors: number;
  warnings: number;
}

export interface StatusReport {
  apiVersion: typeof reportApiVersion;
  kind: typeof reportKind;
  source: { revision: string | null };
  failure?: ReportFailure;
  /** Steps of the last pass that did not finish, for the whole pass or one cluster (rule 7), sorted. */
  problems?: ReportProblem[];
  summary: ReportSummary;
  rollout?: ReportRollout;
  clusters: ReportCluster[];
  resources: ReportResource[];
  replicaSplits: ReportReplicaSplit[];
  drift: ReportDrift[];
  pruning: ReportPruning[];
  errors: ReportDiagnostic[];
  warnings: ReportDiagnostic[];
  /** Exported services across the ClusterSet (with --multicluster-services). */
  multiclusterServices?: McsSummary;
}

/** Messages longer than this are cut (rule 6). */
export const maxMessageLength = 500;

const fine: ReadonlySet<ReportPropagation> = new Set(['ClusterPropagationOK', 'Orphaned', 'PropagationUnknown']);
const unreachableStatuses: ReadonlySet<ReportPropagation> = new Set(['ClusterNotReady', 'ClientRetrievalFailed']);
const prunedAndDone: ReadonlySet<ReportPropagation> = new Set(['ClusterPropagationOK', 'Orphaned', 'NotManaged']);

export function isPropagationProblem(propagation: ReportPropagation): propagation is PropagationProblem {
  return !fine.has(propagation);
}

// ---- building ---------------------------------------------------------------------------------------------

interface ResourceDraft {
  id: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  federatedObject: string;
  secret: boolean;
  /** Position in report order, set once every resource is known. */
  slot: number;
}

/**
 * One cluster's inputs by resource slot, so the matrix is filled without a lookup per cell. At fleet scale
 * (50 members × 10,000 objects) per-cell Map lookups and per-member sorts cost seconds.
 */
interface Column {
  placed: Uint8Array;
  changes: (Change | undefined)[];
  live: (ObjectStatus | undefined)[];
  /** Changes of objects that are no resource of this revision (they left Git), by id. */
  others: Map<string, Change>;
}

export function buildReport(input: ReportInput): StatusReport {
  const redactor = redactorFor(allObjects(input.rendered));
  const say = (message: string, secret = false): string => oneLine(secret ? redactor.secretMessage(message) : redactor.text(message));

  // Rule 1: clusters.
  // A name listed twice: the not-ready entry wins, so the order of the list never matters.
  const given = new Map<string, ReportClusterInput>();
  const listed = [...input.clusters].sort(
    (a, b) => compareText(a.name, b.name) || Number(a.ready) - Number(b.ready) || compareText(a.message, b.message),
  );
  for (const cluster of listed) if (!given.has(cluster.name)) given.set(cluster.name, cluster);
  const renderFailures = perClusterRenderErrors(input.rendered.diagnostics);
  const clusterNames = sortedUnique([
    ...given.keys(),
    ...Object.keys(input.rendered.clusters),
    ...Object.keys(input.applied?.clusters ?? {}),
    ...Object.keys(input.live ?? {}),
    ...Object.keys(input.driftCorrected ?? {}),
    ...renderFailures.keys(),
  ]);
  const readiness = new Map(clusterNames.map((name) => [name, given.get(name)?.ready ?? false]));
  const clusterMessages = new Map<string, string>();
  for (const name of clusterNames) {
    const message = given.get(name)?.message ?? input.applied?.clusters[name]?.message ?? input.live?.[name]?.message;
    if (message !== undefined) clusterMessages.set(name, say(message));
  }

  // Rule 2: resources from the rendered objects, then from per-cluster render errors.
  const { resources, renderedBy } = renderedResources(clusterNames, input.rendered);
  for (const byResource of renderFailures.values()) {
    for (const id of byResource.keys()) {
      if (resources.has(id)) continue;
      const ref = parseResourceId(id);
      resources.set(id, { id, ...ref, federatedObject: kubefedName(ref.kind, ref.namespace, ref.name), secret: isSecretKind(ref.kind), slot: 0 });
    }
  }
  const ordered = [...resources.values()].sort((a, b) => compareText(a.federatedObject, b.federatedObject) || compareText(a.id, b.id));
  ordered.forEach((draft, slot) => (draft.slot = slot));
  const byId = idOrder(renderedBy);
  const columns = new Map(
    clusterNames.map((name) => [name, columnOf(ordered.length, resources, byId, renderedBy.get(name), input.applied?.clusters[name]?.changes, input.live?.[name]?.objects)]),
  );

  // Rules 3–6: one placement per resource and cluster.
  const reportResources: ReportResource[] = [];
  const cellsByCluster = new Map<string, ReportPlacement[]>(clusterNames.map((name) => [name, []]));
  const perCluster: ClusterCells[] = clusterNames.map((name) => ({
    name,
    column: columns.get(name)!,
    failures: renderFailures.get(name),
    ready: readiness.get(name) ?? false,
    memberMessage: clusterMessages.has(name),
    cells: cellsByCluster.get(name)!,
    shared: new SharedCells(name),
  }));
  for (const resource of ordered) {
    const cells: ReportPlacement[] = [];
    const sayAbout = (message: string) => say(message, resource.secret);
    for (const cluster of perCluster) {
      const failures = cluster.failures?.get(resource.id);
      if (cluster.column.placed[resource.slot] !== 1 && !failures) continue;
      const cell = placementOf(cluster, failures, cluster.column.changes[resource.slot], cluster.column.live[resource.slot], sayAbout);
      cells.push(cell);
      cluster.cells.push(cell);
    }
    reportResources.push({
      kind: resource.kind,
      ...(resource.namespace ? { namespace: resource.namespace } : {}),
      name: resource.name,
      federatedObject: resource.federatedObject,
      clusters: cells,
    });
  }

  // Rule 7: clusters with counts.
  const clusters: ReportCluster[] = clusterNames.map((name) => {
    const message = clusterMessages.get(name);
    const failures = (input.applied?.clusters[name]?.failures ?? []).map((failure) => ({ stage: failure.stage, message: say(failure.message) }));
    return {
      name,
      ready: readiness.get(name) ?? false,
      ...(message !== undefined ? { message } : {}),
      ...sourceOf(given.get(name)),
      ...(failures.length > 0 ? { failures } : {}),
      counts: countCells(cellsByCluster.get(name) ?? []),
    };
  });
  const problems = [
    ...(input.problems ?? []).map((problem) => ({ ...problem, message: say(problem.message) })),
    ...clusters.flatMap((cluster) => (cluster.failures ?? []).map((failure) => ({ ...failure, cluster: cluster.name }))),
  ].sort((a, b) => compareText(a.cluster, b.cluster) || compareText(a.stage, b.stage) || compareText(a.message, b.message));

  // Rule 8: drift.
  const drift: ReportDrift[] = [];
  for (const cluster of clusterNames) {
    const column = columns.get(cluster)!;
    const objects = [...column.changes.filter((change) => change?.drift === true), ...[...column.others.values()].filter((change) => change.drift === true)]
      .map((change) => change!)
      .sort((a, b) => compareText(a.id, b.id))
      .map((change) => {
        const secret = isSecretKind(parseResourceId(change.id).kind);
        const fields = secret || !change.fields || change.fields.length === 0 ? undefined : sortedUnique(change.fields);
        return { id: change.id, ...(fields ? { fields } : {}) };
      });
    const corrected = input.driftCorrected?.[cluster] ?? objects.length;
    if (corrected > 0 || objects.length > 0) drift.push({ cluster, corrected, objects });
  }

  // Rule 9: pruning not yet done: changes of objects not placed (nor failed to render) in that cluster.
  const pruning: ReportPruning[] = [];
  for (const cluster of clusterNames) {
    const column = columns.get(cluster)!;
    const failures = renderFailures.get(cluster);
    const gone = [...column.others.values()];
    column.changes.forEach((change, slot) => {
      if (change && column.placed[slot] !== 1 && !failures?.has(change.id)) gone.push(change);
    });
    for (const change of gone.sort((a, b) => compareText(a.id, b.id))) {
      if (prunedAndDone.has(change.propagation)) continue;
      const ref = parseResourceId(change.id);
      pruning.push({
        cluster,
        kind: ref.kind,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
        name: ref.name,
        propagation: change.propagation,
        ...(change.message ? { message: say(change.message, isSecretKind(ref.kind)) } : {}),
      });
    }
  }

  // Rule 10: diagnostics.
  const diagnostics = [...input.rendered.diagnostics].sort(compareDiagnosticsFully);
  const reportDiagnostic = (diagnostic: Diagnostic): ReportDiagnostic => ({
    code: diagnostic.code,
    message: say(diagnostic.message, diagnostic.resource !== undefined && isAboutSecret(parseResourceId(diagnostic.resource).kind)),
    ...(diagnostic.file !== undefined ? { file: diagnostic.file } : {}),
    ...(diagnostic.line !== undefined ? { line: diagnostic.line } : {}),
    ...(diagnostic.field !== undefined ? { field: diagnostic.field } : {}),
    ...(diagnostic.cluster !== undefined ? { cluster: diagnostic.cluster } : {}),
    ...(diagnostic.clusters !== undefined ? { clusters: diagnostic.clusters } : {}),
    ...(diagnostic.resource !== undefined ? { resource: diagnostic.resource } : {}),
  });
  const errors = diagnostics.filter((d) => d.severity === 'error').map(reportDiagnostic);
  const warnings = diagnostics.filter((d) => d.severity === 'warning').map(reportDiagnostic);
  const failure: ReportFailure | undefined = input.failed
    ? {
        revision: input.failed.revision,
        stage: input.failed.stage,
        message: say(input.failed.message),
        errors: [...input.failed.diagnostics]
          .filter((d) => d.severity === 'error')
          .sort(compareDiagnosticsFully)
          .map(reportDiagnostic),
      }
    : undefined;

  const total = (count: (cluster: ReportCluster) => number) => clusters.reduce((sum, cluster) => sum + count(cluster), 0);
  const summary: ReportSummary = {
    clusters: clusters.length,
    clustersReady: clusters.filter((cluster) => cluster.ready).length,
    objects: total((cluster) => cluster.counts.objects),
    current: total((cluster) => cluster.counts.Current),
    // A cluster's `errors` counts exactly its cells with a propagation problem (rule 7).
    propagationErrors: total((cluster) => cluster.counts.errors),
    errors: errors.length + (failure?.errors.length ?? 0),
    warnings: warnings.length,
  };

  return {
    apiVersion: reportApiVersion,
    kind: reportKind,
    source: { revision: input.revision },
    ...(failure ? { failure } : {}),
    ...(problems.length > 0 ? { problems } : {}),
    summary,
    ...(input.rollout ? { rollout: reportRollout(input.rollout) } : {}),
    clusters,
    resources: reportResources,
    replicaSplits: replicaSplitsOf(input.rendered),
    drift,
    pruning,
    errors,
    warnings,
    ...(input.multiclusterServices ? { multiclusterServices: sayAll(input.multiclusterServices, say) } : {}),
  };
}

/** The summary with every failure message cut and scrubbed like the report's other messages. */
function sayAll(summary: McsSummary, say: (message: string) => string): McsSummary {
  return { ...summary, failures: summary.failures.map((failure) => ({ ...failure, message: say(failure.message) })) };
}

/** One cluster's inputs and cells while the matrix is filled. */
interface ClusterCells {
  name: string;
  column: Column;
  failures: Map<string, Diagnostic[]> | undefined;
  ready: boolean;
  /** The member has a message of its own (unreachable …), so objects need not repeat it. */
  memberMessage: boolean;
  cells: ReportPlacement[];
  shared: SharedCells;
}

/** Rules 4–6. */
function placementOf(cluster: ClusterCells, failures: Diagnostic[] | undefined, change: Change | undefined, live: ObjectStatus | undefined, say: (message: string) => string): ReportPlacement {
  let propagation: ReportPropagation;
  let problemMessage: string | undefined;
  const first = failures?.[0];
  if (first) {
    propagation = first.code === 'ApplyOverridesFailed' ? 'ApplyOverridesFailed' : 'RenderFailed';
    const more = (failures?.length ?? 1) - 1;
    problemMessage = `${propagation === 'RenderFailed' ? `${first.code}: ` : ''}${first.message}${more > 0 ? ` (and ${more} more)` : ''}`;
  } else if (change && isPropagationProblem(change.propagation)) {
    propagation = change.propagation;
    problemMessage = change.message;
  } else if (live?.propagation && isPropagationProblem(live.propagation)) {
    propagation = live.propagation;
    problemMessage = live.health.status === 'Unknown' ? live.health.message : undefined;
  } else if (change) {
    propagation = change.propagation;
  } else if (live?.propagation) {
    propagation = live.propagation;
  } else {
    propagation = cluster.ready ? 'PropagationUnknown' : 'ClusterNotReady';
  }
  // A held object was not read back; a read-back of an unreachable member says Unknown anyway.
  const health: HealthStatus = first ? 'Unknown' : (live?.health.status ?? 'Unknown');
  const replicas = first ? undefined : live?.health.replicas;

  let message: string | undefined;
  if (isPropagationProblem(propagation)) {
    message = unreachableStatuses.has(propagation) && cluster.memberMessage ? undefined : problemMessage;
  } else if (!first && live && live.health.status !== 'Current') {
    message = live.health.message;
  }
  if (!message) return cluster.shared.get(propagation, health, replicas);
  const cell: ReportPlacement = { name: cluster.name, propagation, health };
  if (replicas) cell.replicas = replicasText(replicas);
  cell.message = say(message);
  return cell;
}

function replicasText(replicas: { ready: number; desired: number }): string {
  return `${replicas.ready}/${replicas.desired}`;
}

/**
 * One frozen object for all of a cluster's cells without a message that say the same thing. At fleet scale most
 * of 500,000 cells are alike (✅ 1/1), and an object each is what made the report slow to build (its garbage
 * collection) and to write; the formatters also cache their text per cell object. The report never changes a
 * cell after this, and the freeze makes sure of it. Looked up without building a key: this runs once per cell.
 */
class SharedCells {
  private readonly cells = new Map<ReportPropagation, Map<HealthStatus, Map<number, Map<number, ReportPlacement>>>>();

  private readonly cluster: string;

  constructor(cluster: string) {
    this.cluster = cluster;
  }

  get(propagation: ReportPropagation, health: HealthStatus, replicas: { ready: number; desired: number } | undefined): ReportPlacement {
    let byHealth = this.cells.get(propagation);
    if (!byHealth) this.cells.set(propagation, (byHealth = new Map()));
    let byReady = byHealth.get(health);
    if (!byReady) byHealth.set(health, (byReady = new Map()));
    // -1: no replicas.
    const ready = replicas ? replicas.ready : -1;
    let byDesired = byReady.get(ready);
    if (!byDesired) byReady.set(ready, (byDesired = new Map()));
    const desired = replicas ? replicas.desired : -1;
    let cell = byDesired.get(desired);
    if (!cell) {
      cell = { name: this.cluster, propagation, health };
      if (replicas) cell.replicas = replicasText(replicas);
      byDesired.set(desired, Object.freeze(cell));
    }
    return cell;
  }
}

/** Rule 7. */
function countCells(cells: readonly ReportPlacement[]): ReportCounts {
  const health = Object.fromEntries(healthStatuses.map((status) => [status, 0])) as Record<HealthStatus, number>;
  const problems = new Map<PropagationProblem, number>();
  for (const cell of cells) {
    health[cell.health] += 1;
    if (isPropagationProblem(cell.propagation)) problems.set(cell.propagation, (problems.get(cell.propagation) ?? 0) + 1);
  }
  // Built in key order: objects, the six health states, the problems present, errors last.
  const counts: Record<string, number> = { objects: cells.length, ...health };
  let errors = 0;
  for (const problem of [...problems.keys()].sort(compareText)) {
    const count = problems.get(problem) ?? 0;
    counts[problem] = count;
    errors += count;
  }
  counts.errors = errors;
  return counts as ReportCounts;
}

function replicaSplitsOf(rendered: RenderResult): ReportReplicaSplit[] {
  return rendered.replicas
    .map((split) => ({
      preference: split.preference,
      target: split.target,
      totalReplicas: split.totalReplicas,
      clusters: Object.fromEntries(Object.entries(split.clusters).sort(([a], [b]) => compareText(a, b))),
    }))
    .sort((a, b) => compareText(a.preference, b.preference) || compareText(a.target, b.target));
}

/** Per cluster, per resource: the render errors that held the object there (ApplyOverridesFailed …). */
function perClusterRenderErrors(diagnostics: readonly Diagnostic[]): Map<string, Map<string, Diagnostic[]>> {
  const out = new Map<string, Map<string, Diagnostic[]>>();
  for (const diagnostic of [...diagnostics].sort(compareDiagnosticsFully)) {
    if (diagnostic.severity !== 'error' || !diagnostic.resource) continue;
    for (const cluster of diagnostic.clusters ?? (diagnostic.cluster ? [diagnostic.cluster] : [])) {
      const byResource = out.get(cluster) ?? new Map<string, Diagnostic[]>();
      const list = byResource.get(diagnostic.resource) ?? [];
      list.push(diagnostic);
      byResource.set(diagnostic.resource, list);
      out.set(cluster, byResource);
    }
  }
  return out;
}

/** One cluster's rendered objects as resources, in rendered order. */
interface RenderedColumn {
  ids: string[];
  drafts: ResourceDraft[];
}

/**
 * The resources of every cluster's rendered objects, by id, and each cluster's objects as resources. Members
 * mostly get the same objects in the same order, so an object is first matched against the first cluster's at
 * the same place: comparing three names is much cheaper than building and hashing an id for each of 500,000.
 */
function renderedResources(clusterNames: readonly string[], rendered: RenderResult): { resources: Map<string, ResourceDraft>; renderedBy: Map<string, RenderedColumn> } {
  const resources = new Map<string, ResourceDraft>();
  const renderedBy = new Map<string, RenderedColumn>();
  let template: { objects: readonly KubeObject[]; drafts: ResourceDraft[] } | undefined;
  for (const name of clusterNames) {
    const objects = rendered.clusters[name] ?? [];
    const column: RenderedColumn = { ids: [], drafts: [] };
    objects.forEach((object, i) => {
      const federatedObject = object.metadata.annotations?.[federatedObjectAnnotation] ?? kubefedName(object.kind, object.metadata.namespace, object.metadata.name);
      const same = template?.objects[i];
      let draft = same && sameObject(same, object) ? template!.drafts[i] : undefined;
      if (!draft) {
        const id = idOfObject(object);
        draft = resources.get(id);
        if (!draft) {
          draft = { id, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name, federatedObject, secret: isSecretKind(object.kind), slot: 0 };
          resources.set(id, draft);
        }
      }
      if (federatedObject !== draft.federatedObject && compareText(federatedObject, draft.federatedObject) < 0) draft.federatedObject = federatedObject;
      column.ids.push(draft.id);
      column.drafts.push(draft);
    });
    if (!template && objects.length > 0) template = { objects, drafts: column.drafts };
    renderedBy.set(name, column);
  }
  return { resources, renderedBy };
}

/** Same id (Kind/namespace/name): the three names compared, no id built. */
function sameObject(a: KubeObject, b: KubeObject): boolean {
  // Render hands clusters without overrides the very same object.
  if (a === b) return true;
  return a.metadata.name === b.metadata.name && a.kind === b.kind && (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '');
}

/** The first cluster's resources in id order: the order of an apply's changes (compareChanges). */
function idOrder(renderedBy: ReadonlyMap<string, RenderedColumn>): ResourceDraft[] {
  const first = [...renderedBy.values()].find((column) => column.drafts.length > 0);
  return [...(first?.drafts ?? [])].sort((a, b) => compareText(a.id, b.id));
}

function columnOf(
  size: number,
  resources: ReadonlyMap<string, ResourceDraft>,
  byId: readonly ResourceDraft[],
  rendered: RenderedColumn | undefined,
  changes: readonly Change[] = [],
  live: readonly ObjectStatus[] = [],
): Column {
  const column: Column = { placed: new Uint8Array(size), changes: new Array<Change | undefined>(size), live: new Array<ObjectStatus | undefined>(size), others: new Map() };
  for (const draft of rendered?.drafts ?? []) column.placed[draft.slot] = 1;
  // Changes come sorted by id: where a cluster holds the first cluster's objects they match those in id order
  // one after the other, and only the rest (objects that left Git …) is looked up. A match is right either way.
  let next = 0;
  for (const change of changes) {
    const slot = next < byId.length && byId[next]!.id === change.id ? byId[next++]!.slot : resources.get(change.id)?.slot;
    if (slot === undefined) {
      const kept = column.others.get(change.id);
      if (kept === undefined || changeOrder(change, kept) < 0) column.others.set(change.id, change);
    } else if (column.changes[slot] === undefined || changeOrder(change, column.changes[slot]) < 0) {
      column.changes[slot] = change;
    }
  }
  // The read-back lists objects in rendered order: then no lookup is needed.
  const aligned = rendered !== undefined && live.length === rendered.ids.length && live.every((object, i) => object.id === rendered.ids[i]);
  live.forEach((object, i) => {
    const slot = aligned ? rendered.drafts[i]!.slot : resources.get(object.id)?.slot;
    if (slot === undefined) return;
    const kept = column.live[slot];
    if (kept === undefined || liveOrder(object, kept) < 0) column.live[slot] = object;
  });
  return column;
}

/** On a duplicate id the first in a total order wins, whatever the input order. */
function changeOrder(a: Change, b: Change): number {
  return compareText(a.propagation, b.propagation) || compareText(a.action, b.action) || compareText(a.message, b.message);
}

function liveOrder(a: ObjectStatus, b: ObjectStatus): number {
  return compareText(a.health.status, b.health.status) || compareText(a.propagation, b.propagation) || compareText(a.health.message, b.health.message);
}

function* allObjects(rendered: RenderResult): Iterable<KubeObject> {
  for (const objects of Object.values(rendered.clusters)) yield* objects;
}

function compareDiagnosticsFully(a: Diagnostic, b: Diagnostic): number {
  return compareDiagnostics(a, b) || compareText(a.severity, b.severity) || compareText(a.field, b.field);
}

/** A Secret, or the FederatedSecret it comes from (a load diagnostic names the federated object). */
function isAboutSecret(kind: string): boolean {
  return isSecretKind(kind) || kind === 'FederatedSecret';
}

function idOfObject(object: KubeObject): string {
  return resourceId(identityOf(object));
}

/** KubeFed's naming when no annotation says otherwise: `Federated<Kind>`; a Namespace is its own namespace. */
function kubefedName(kind: string, namespace: string | undefined, name: string): string {
  if (kind === 'Namespace') return `FederatedNamespace/${name}/${name}`;
  return resourceId({ kind: `Federated${kind}`, namespace, name });
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareText);
}

/** The first non-empty line, trimmed and cut to {@link maxMessageLength} (rule 6). Runs after redaction. */
function oneLine(message: string): string {
  const line = message.split(/\r?\n/).map((part) => part.trim()).find((part) => part !== '') ?? '';
  return line.length > maxMessageLength ? `${line.slice(0, maxMessageLength - 1)}…` : line;
}

/** A member's source and Cluster API state, when the input gave them (a fleet without a member source has none). */
function sourceOf(cluster: ReportClusterInput | undefined): Pick<ReportCluster, 'source' | 'capi'> {
  if (!cluster) return {};
  return {
    ...(cluster.source ? { source: cluster.source } : {}),
    ...(cluster.capi ? { capi: { namespace: cluster.capi.namespace, state: cluster.capi.state, message: oneLine(cluster.capi.message) } } : {}),
  };
}

/**
 * The review plan between two revisions (pure): what each member cluster would gain, lose and see changed if the
 * head revision replaced the base one, in words a reviewer of a pull request wants. Both revisions come in
 * rendered; nothing here reads Git or a cluster (the CLI's `gitfed plan` does, and may add the live comparison
 * with {@link withLive}).
 *
 * Rules:
 * 1. Objects pair by group, kind, namespace and name (objectKey) within a cluster; people see `Kind/namespace/name`.
 *    Both revisions list a cluster's objects in render order, so most pair by position and only the rest by key;
 *    render shares one object among clusters, so each pair of objects is compared once. Lists are sorted by id;
 *    clusters by name. Every cluster declared in either revision has an entry, with its
 *    status: `added` (declared at head only), `removed` (declared at base only) or `kept`.
 * 2. An object that is gone at head but held at head (held-objects.ts: an error naming it, in that cluster or in
 *    none; or its type is disabled) is `held`, not removed: apply leaves such objects as they are, by the same rule.
 * 3. Changed objects carry compact field diffs (field-changes.ts): Secret `data`/`stringData` values are masked.
 * 4. Placement: per federated object (the `gitfed.io/federated-object` mark of its rendered objects), the clusters
 *    it is on before and after, in words: "FederatedDeployment shop/web: now on eu-2 and us-1; removed from eu-1".
 *    Held objects count as still there.
 * 5. Clusters declared or dropped, or relabelled, with what that moves. A cluster that is no longer declared is no
 *    longer applied to: its objects stay in the member as they are (as after `kubefedctl unjoin`), never pruned.
 * 6. Deletion guard: for each cluster still declared, the deletions (removed objects that are not orphaned) against
 *    the base object count there (what the member's inventory holds once base was applied), through
 *    holdsDeletions; a cluster annotated gitfed.io/allow-mass-deletion: "true" at head is never held.
 * 7. Replica splits of ReplicaSchedulingPreferences that differ, before and after (null where absent).
 * 8. Errors and warnings are head's, every message passed through `redact` when given (the CLI redacts Secret values
 *    before it plans, since it prints the diagnostics on stderr too).
 */
import type { RolloutPlan } from '../rollout/plan-rollout.ts';
import { compareText, diagnosticJson, type Diagnostic, type DiagnosticJson } from '../model/diagnostic.ts';
import { allowMassDeletionAnnotation, federatedObjectAnnotation, orphanAnnotation } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import type { RenderResult } from '../render/render.ts';
import type { Change } from './change-set.ts';
import { defaultDeletionGuard, holdsDeletions, type DeletionGuardPolicy } from './deletion-guard.ts';
import { fieldChanges, type FieldChange } from './field-changes.ts';
import { groupKind, groupOf, identityOf, objectKey, resourceId } from '../model/identity.ts';
import { heldObjects } from './held-objects.ts';

/** What the planner needs of a cluster declaration. A loaded Model's Cluster fits. */
export interface ClusterSummary {
  name: string;
  labels: Record<string, string>;
  annotations?: Record<string, string> | undefined;
}

/** One rendered revision, with the model it was rendered from (only its clusters are read). */
export interface RevisionInput extends RenderResult {
  model: { clusters: readonly ClusterSummary[] };
}

export interface PlanOptions {
  /** Default: defaultDeletionGuard. */
  deletionGuard?: DeletionGuardPolicy;
  /** Applied to every message copied into the plan. Default: none. */
  redact?: (text: string) => string;
}

export type ClusterStatus = 'added' | 'removed' | 'kept';

export interface ObjectChange {
  id: string;
  fields: FieldChange[];
}

export interface HeldObject {
  id: string;
  /** The diagnostic code at head that explains why it did not render. */
  code: string;
}

export interface ClusterPlan {
  status: ClusterStatus;
  added: string[];
  removed: string[];
  changed: ObjectChange[];
  held: HeldObject[];
  objects: { base: number; head: number };
}

export interface PlacementChange {
  /** `FederatedDeployment/shop/web`. */
  federated: string;
  before: string[];
  after: string[];
  added: string[];
  removed: string[];
  summary: string;
}

export type ClusterChangeKind = 'added' | 'removed' | 'relabelled';

export interface ClusterChange {
  cluster: string;
  change: ClusterChangeKind;
  labels: { before: Record<string, string> | null; after: Record<string, string> | null };
  /** Objects the cluster gains and loses (for a removed cluster: those it stops receiving). */
  gains: number;
  loses: number;
  summary: string;
}

export interface ReplicaSplitState {
  target: string;
  totalReplicas: number;
  clusters: Record<string, number>;
}

export interface ReplicaChange {
  /** `namespace/name` of the ReplicaSchedulingPreference. */
  preference: string;
  before: ReplicaSplitState | null;
  after: ReplicaSplitState | null;
}

export interface GuardedDeletions {
  cluster: string;
  deletions: number;
  managed: number;
}

/** A diagnostic as the plan's JSON shows it (the `-o json` shape of every command). */
export type PlanDiagnostic = DiagnosticJson;

export interface PlanSummary {
  /** Clusters with at least one object added, removed or changed. */
  clustersChanged: number;
  clusters: number;
  added: number;
  removed: number;
  changed: number;
  held: number;
  placements: number;
  clusterChanges: number;
  replicas: number;
  guarded: number;
  errors: number;
  warnings: number;
}

/** What applying head would do to one member today (a server-side dry-run), changes that do something only. */
export interface LiveClusterPlan {
  reachable: boolean;
  message?: string;
  changes: Change[];
}

export interface RevisionPlan {
  base: string | null;
  head: string | null;
  summary: PlanSummary;
  clusters: Record<string, ClusterPlan>;
  replicas: ReplicaChange[];
  errors: PlanDiagnostic[];
  warnings: PlanDiagnostic[];
  placements: PlacementChange[];
  clusterChanges: ClusterChange[];
  /** Clusters where the deletion guard would hold this revision's deletions. */
  deletionGuard: GuardedDeletions[];
  /** Present only when the plan was compared with the members (`--live`). */
  live?: Record<string, LiveClusterPlan>;
  /** Why the live comparison did not run, when it was asked for and skipped. */
  liveSkipped?: string;
  /** With a Rollout at head: each member's stage and whether this change reaches it (rollout/plan-rollout.ts). */
  rollout?: RolloutPlan;
}

export function planRevisions(base: RevisionInput, head: RevisionInput, options: PlanOptions = {}): RevisionPlan {
  const policy = options.deletionGuard ?? defaultDeletionGuard;
  const redact = options.redact ?? ((text: string) => text);
  const declaredBase = new Map(base.model.clusters.map((cluster) => [cluster.name, cluster]));
  const declaredHead = new Map(head.model.clusters.map((cluster) => [cluster.name, cluster]));
  const names = sortedUnion(
    [...Object.keys(base.clusters), ...declaredBase.keys()],
    [...Object.keys(head.clusters), ...declaredHead.keys()],
  );
  const held = heldObjects(head);
  const pairs = new PairChanges();
  const identities = new Identities();

  const clusters: Record<string, ClusterPlan> = {};
  const guarded: GuardedDeletions[] = [];
  /** Federated objects added to or removed from some cluster: their placement changed. */
  const moved = new Set<string>();
  /** cluster → federated objects held there (they count as still placed). */
  const heldHere = new Map<string, Set<string>>();

  for (const name of names) {
    const inBase = declaredBase.has(name) || name in base.clusters;
    const inHead = declaredHead.has(name) || name in head.clusters;
    const status: ClusterStatus = inBase && inHead ? 'kept' : inHead ? 'added' : 'removed';
    const baseObjects = base.clusters[name] ?? [];
    const headObjects = head.clusters[name] ?? [];
    const plan: ClusterPlan = { status, added: [], removed: [], changed: [], held: [], objects: { base: baseObjects.length, head: headObjects.length } };
    const compare = (previous: KubeObject, object: KubeObject) => {
      const change = pairs.between(previous, object, identities);
      if (change) plan.changed.push(change);
    };
    // Both lists are in render order, so most objects pair up by position; the rest pair by key.
    let same = 0;
    while (same < baseObjects.length && same < headObjects.length && sameIdentity(baseObjects[same]!, headObjects[same]!)) {
      compare(baseObjects[same]!, headObjects[same]!);
      same++;
    }
    const before = new Map<string, KubeObject>();
    for (let index = same; index < baseObjects.length; index++) before.set(identities.of(baseObjects[index]!).key, baseObjects[index]!);
    for (let index = same; index < headObjects.length; index++) {
      const object = headObjects[index]!;
      const { key, id } = identities.of(object);
      const previous = before.get(key);
      if (!previous) {
        plan.added.push(id);
        moved.add(federatedOf(object));
        continue;
      }
      before.delete(key); // what is left in `before` afterwards is gone at head
      compare(previous, object);
    }
    let deletions = 0;
    for (const object of before.values()) {
      const { id } = identities.of(object);
      const federated = federatedOf(object);
      const reason = status === 'removed' ? undefined : held.reason(name, { id, groupKind: groupKind(object), federated });
      if (reason) {
        plan.held.push({ id, code: reason });
        const set = heldHere.get(name) ?? new Set<string>();
        heldHere.set(name, set.add(federated));
        continue;
      }
      plan.removed.push(id);
      moved.add(federated);
      if (object.metadata.annotations?.[orphanAnnotation] !== 'true') deletions++;
    }
    plan.added.sort(compareText);
    plan.removed.sort(compareText);
    plan.held.sort((a, b) => compareText(a.id, b.id));
    plan.changed.sort((a, b) => compareText(a.id, b.id));
    clusters[name] = plan;

    const allowed = declaredHead.get(name)?.annotations?.[allowMassDeletionAnnotation] === 'true';
    const managed = baseObjects.length;
    if (status !== 'removed' && !allowed && holdsDeletions(deletions, managed, policy)) {
      guarded.push({ cluster: name, deletions, managed });
    }
  }

  const placements = placementChanges(moved, names, base, head, heldHere);
  const clusterChanges = clusterChangesOf(names, declaredBase, declaredHead, clusters);
  const replicas = replicaChanges(base, head);
  const errors = head.diagnostics.filter((d) => d.severity === 'error').map((d) => planDiagnostic(d, redact));
  const warnings = head.diagnostics.filter((d) => d.severity === 'warning').map((d) => planDiagnostic(d, redact));

  const all = Object.values(clusters);
  return {
    base: base.revision,
    head: head.revision,
    summary: {
      clustersChanged: all.filter(hasObjectChanges).length,
      clusters: all.length,
      added: sum(all.map((c) => c.added.length)),
      removed: sum(all.map((c) => c.removed.length)),
      changed: sum(all.map((c) => c.changed.length)),
      held: sum(all.map((c) => c.held.length)),
      placements: placements.length,
      clusterChanges: clusterChanges.length,
      replicas: replicas.length,
      guarded: guarded.length,
      errors: errors.length,
      warnings: warnings.length,
    },
    clusters,
    replicas,
    errors,
    warnings,
    placements,
    clusterChanges,
    deletionGuard: guarded,
  };
}

/** The documented `-o json` shape: base, head, summary, clusters, replicas, errors, warnings, then the details. */
export function formatPlanJson(plan: RevisionPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/**
 * True when some cluster would gain, lose or see changed an object (replica splits and cluster changes show there
 * too, as far as they change anything), or the live comparison found work to do.
 */
export function hasChanges(plan: RevisionPlan): boolean {
  if (Object.values(plan.clusters).some(hasObjectChanges)) return true;
  // An object a member marks kubefed.io/managed: "false" is left alone on purpose, every time: not work to do.
  return Object.values(plan.live ?? {}).some((member) =>
    member.changes.some((change) => isLiveWork(change) && change.propagation !== 'ManagedLabelFalse'),
  );
}

export function hasObjectChanges(cluster: ClusterPlan): boolean {
  return cluster.added.length + cluster.removed.length + cluster.changed.length > 0;
}

/** A live change worth showing: one that writes to the member, or would but cannot. */
export function isLiveWork(change: Change): boolean {
  return change.action !== 'unchanged' || change.propagation !== 'ClusterPropagationOK';
}

/**
 * The plan with what applying head would do to the members today (`applyAll` with `dryRun`), keeping only changes
 * that do something: unchanged objects are left out.
 */
export function withLive(
  plan: RevisionPlan,
  members: Readonly<Record<string, { reachable: boolean; message?: string | undefined; changes: readonly Change[] }>>,
  redact: (text: string) => string = (text) => text,
): RevisionPlan {
  const live: Record<string, LiveClusterPlan> = {};
  for (const name of Object.keys(members).sort(compareText)) {
    const member = members[name]!;
    live[name] = {
      reachable: member.reachable,
      ...(member.message ? { message: redact(member.message) } : {}),
      changes: member.changes
        .filter(isLiveWork)
        .map((change) => (change.message ? { ...change, message: redact(change.message) } : { ...change }))
        .sort((a, b) => compareText(a.id, b.id)),
    };
  }
  return { ...plan, live };
}

// ---------------------------------------------------------------------------------------------------------------

/** The federated object a rendered object came from; its own id when the mark is missing. */
function federatedOf(object: KubeObject): string {
  return object.metadata.annotations?.[federatedObjectAnnotation] ?? resourceId(identityOf(object));
}

/**
 * Keys and ids per object. Render shares one object among the clusters without overrides, so most objects come
 * back once per cluster: each is named once.
 */
class Identities {
  readonly #seen = new Map<KubeObject, { key: string; id: string }>();

  of(object: KubeObject): { key: string; id: string } {
    let names = this.#seen.get(object);
    if (!names) {
      const identity = identityOf(object);
      names = { key: objectKey(identity), id: resourceId(identity) };
      this.#seen.set(object, names);
    }
    return names;
  }
}

/** Same group, kind, namespace and name: the same member object (objectKey), without building the key. */
function sameIdentity(a: KubeObject, b: KubeObject): boolean {
  return (
    a.kind === b.kind &&
    a.metadata.name === b.metadata.name &&
    a.metadata.namespace === b.metadata.namespace &&
    (a.apiVersion === b.apiVersion || groupOf(a.apiVersion) === groupOf(b.apiVersion))
  );
}

/** The change between a pair of objects, compared once per pair however many clusters share it (see Identities). */
class PairChanges {
  readonly #seen = new Map<KubeObject, { after: KubeObject; change: ObjectChange | null; others?: Map<KubeObject, ObjectChange | null> }>();

  between(before: KubeObject, after: KubeObject, identities: Identities): ObjectChange | null {
    const entry = this.#seen.get(before);
    if (entry?.after === after) return entry.change;
    const known = entry?.others?.get(after);
    if (known !== undefined) return known;
    const fields = fieldChanges(before, after);
    const change = fields.length > 0 ? { id: identities.of(after).id, fields } : null;
    if (!entry) this.#seen.set(before, { after, change });
    else (entry.others ??= new Map()).set(after, change);
    return change;
  }
}

function placementChanges(
  moved: ReadonlySet<string>,
  names: readonly string[],
  base: RenderResult,
  head: RenderResult,
  heldHere: ReadonlyMap<string, ReadonlySet<string>>,
): PlacementChange[] {
  if (moved.size === 0) return [];
  const where = new Map<string, { before: string[]; after: string[] }>([...moved].map((federated) => [federated, { before: [], after: [] }]));
  for (const name of names) {
    const mark = (objects: readonly KubeObject[] | undefined, side: 'before' | 'after') => {
      const seen = new Set<string>();
      for (const object of objects ?? []) {
        const federated = federatedOf(object);
        const entry = where.get(federated);
        if (entry && !seen.has(federated)) {
          seen.add(federated);
          entry[side].push(name);
        }
      }
      if (side === 'after') {
        for (const federated of heldHere.get(name) ?? []) if (!seen.has(federated)) where.get(federated)?.after.push(name);
      }
    };
    mark(base.clusters[name], 'before');
    mark(head.clusters[name], 'after');
  }
  const changes: PlacementChange[] = [];
  for (const federated of [...moved].sort(compareText)) {
    const { before, after } = where.get(federated)!;
    const added = after.filter((name) => !before.includes(name));
    const removed = before.filter((name) => !after.includes(name));
    if (added.length === 0 && removed.length === 0) continue;
    changes.push({ federated, before, after, added, removed, summary: placementSummary(federated, before, after, added, removed) });
  }
  return changes;
}

/** "FederatedDeployment shop/web: now on eu-2 and us-1; removed from eu-1". */
export function placementSummary(federated: string, before: string[], after: string[], added: string[], removed: string[]): string {
  const name = federatedName(federated);
  if (before.length === 0) return `${name}: new, on ${words(after)}`;
  if (after.length === 0) return `${name}: on no cluster now; removed from ${words(removed)}`;
  const parts = [`now on ${words(after)}`];
  if (added.length > 0) parts.push(`added to ${words(added)}`);
  if (removed.length > 0) parts.push(`removed from ${words(removed)}`);
  return `${name}: ${parts.join('; ')}`;
}

/** `FederatedDeployment/shop/web` → `FederatedDeployment shop/web`. */
export function federatedName(federated: string): string {
  const slash = federated.indexOf('/');
  return slash < 0 ? federated : `${federated.slice(0, slash)} ${federated.slice(slash + 1)}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function words(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'nothing';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function clusterChangesOf(
  names: readonly string[],
  declaredBase: ReadonlyMap<string, ClusterSummary>,
  declaredHead: ReadonlyMap<string, ClusterSummary>,
  clusters: Readonly<Record<string, ClusterPlan>>,
): ClusterChange[] {
  const changes: ClusterChange[] = [];
  for (const name of names) {
    const before = declaredBase.get(name);
    const after = declaredHead.get(name);
    const plan = clusters[name]!;
    const labels = { before: before ? sortedLabels(before.labels) : null, after: after ? sortedLabels(after.labels) : null };
    if (!before && after) {
      const summary = `${name} is new (${labelWords(after.labels)}): it receives ${count(plan.added.length, 'object')}`;
      changes.push({ cluster: name, change: 'added', labels, gains: plan.added.length, loses: 0, summary });
    } else if (before && !after) {
      const summary = `${name} is no longer declared: gitfed stops applying to it; the ${count(plan.removed.length, 'object')} it holds from gitfed stay there as they are`;
      changes.push({ cluster: name, change: 'removed', labels, gains: 0, loses: plan.removed.length, summary });
    } else if (before && after && labelWords(before.labels) !== labelWords(after.labels)) {
      const moved = `gains ${count(plan.added.length, 'object')}, loses ${plan.removed.length}`;
      const summary = `${name} labels changed (${labelDiff(before.labels, after.labels)}): ${moved}`;
      changes.push({ cluster: name, change: 'relabelled', labels, gains: plan.added.length, loses: plan.removed.length, summary });
    }
  }
  return changes;
}

function sortedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => compareText(a, b)));
}

function labelWords(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(sortedLabels(labels));
  return entries.length === 0 ? 'no labels' : entries.map(([key, value]) => `${key}=${value}`).join(', ');
}

/** `env: staging → prod, tier: (none) → gold`. */
function labelDiff(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareText);
  return keys
    .filter((key) => before[key] !== after[key])
    .map((key) => `${key}: ${before[key] ?? '(none)'} → ${after[key] ?? '(none)'}`)
    .join(', ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function replicaChanges(base: RenderResult, head: RenderResult): ReplicaChange[] {
  const state = (split: RenderResult['replicas'][number]): ReplicaSplitState => ({
    target: split.target,
    totalReplicas: split.totalReplicas,
    clusters: split.clusters,
  });
  const before = new Map(base.replicas.map((split) => [split.preference, state(split)]));
  const after = new Map(head.replicas.map((split) => [split.preference, state(split)]));
  const changes: ReplicaChange[] = [];
  for (const preference of sortedUnion([...before.keys()], [...after.keys()])) {
    const a = before.get(preference) ?? null;
    const b = after.get(preference) ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes.push({ preference, before: a, after: b });
  }
  return changes;
}

function planDiagnostic(diagnostic: Diagnostic, redact: (text: string) => string): PlanDiagnostic {
  const json = diagnosticJson(diagnostic);
  return { ...json, message: redact(json.message) };
}

function sortedUnion(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort(compareText);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

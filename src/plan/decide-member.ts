/**
 * Decide, for one member: desired objects + what observe read (live objects, served kinds, the inventory, the
 * server-side dry-runs it ran) + policy → the change set, the writes and deletions that make it so, and the
 * inventory those leave behind. Pure; apply/ observes before and executes after (Flux's ssa Diff, then Apply).
 *
 * Per desired object, in order:
 *   1. the member does not serve the kind            → skipped, TypeNotServed (its record is kept)
 *   2. absent                                        → create
 *   3. the live object says kubefed.io/managed=false → skipped, ManagedLabelFalse (never touched, forgotten)
 *   4. another gitfed instance's                     → skipped, AlreadyExists
 *   5. unmarked                                      → adopted when allowed (KubeFed's own label, --adopt, or
 *                                                      gitfed.io/adopt on the federated object), else skipped,
 *                                                      AlreadyExists
 *   6. gitfed's, same desired hash and same version as recorded, marks intact → unchanged, no request
 *   7. otherwise the server-side dry-run decides: it failed → skipped, UpdateFailed (record kept); no difference
 *      → unchanged (record refreshed); else configure (drift when Git did not change).
 * A dry-run is asked for only by rule 7: {@link previewsNeeded} lists them, observe runs them, then decide runs.
 *
 * Pruning: the inventory minus what is desired now, minus what is held (held-objects.ts). An entry whose object
 * is gone (or whose kind the member no longer serves) is forgotten; one that no longer carries this instance's
 * marks is forgotten and left alone (NotManaged); an orphaning one is unmarked; the rest deleted, dependents
 * first (reverse apply order). The deletion guard holds them all when they are too many.
 *
 * Inventory: every record a write will touch but the inventory lacks is saved first as an intent (version ''),
 * so a pass that stops half-way (a crash, a lost member, a failed save at the end) never forgets what it may
 * have created; the final save then records the versions the member returned.
 */
import { resourceId, groupKind, identityOf, objectKey } from '../model/identity.ts';
import { adoptAnnotation, allowMassDeletionAnnotation, instanceAnnotation, managedLabel, orphanAnnotation, retainReplicasAnnotation } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import { applyStages, stageOf, type ApplyStage } from '../render/order-objects.ts';
import type { Change, PropagationStatus } from './change-set.ts';
import { holdsDeletions, type DeletionGuardPolicy } from './deletion-guard.ts';
import { diffFields } from './diff-fields.ts';
import type { HeldObjects } from './held-objects.ts';
import { hashObject, versionOf, type Inventory, type InventoryEntry } from './inventory.ts';

export type ConflictPolicy = 'force' | 'fail';

export interface MemberPolicy {
  instance: string;
  /** Take over unmarked pre-existing objects everywhere. */
  adopt: boolean;
  /** Fields another manager took (a hand edit) are taken back with force; 'fail' reports UpdateFailed instead. */
  conflicts: ConflictPolicy;
  deletionGuard: DeletionGuardPolicy;
  /** The guard is lifted for this member (flag, or the cluster's annotation in Git). */
  allowMassDeletion: boolean;
}

export interface MemberDesired {
  cluster: string;
  /** Rendered objects, in apply order. */
  objects: readonly KubeObject[];
  held: HeldObjects;
}

/** What a server-side dry-run of an object returned. */
export type Preview = { object: KubeObject } | { failed: string };

export interface MemberObservation {
  /** `apiVersion/Kind` of the desired and inventoried kinds the member serves. */
  served: ReadonlySet<string>;
  /** objectKey → live object, for every kind desired or inventoried (one list per kind). */
  live: ReadonlyMap<string, KubeObject>;
  inventory: Inventory;
  /** objectKey → dry-run result, for the objects {@link previewsNeeded} named. */
  previews: ReadonlyMap<string, Preview>;
}

/** A write apply/ performs; `body` is what is sent (spec.replicas left out when retained). */
export interface ObjectWrite {
  mode: 'create' | 'configure';
  body: KubeObject;
  force: boolean;
  /**
   * retainReplicas: spec.replicas goes to a second manager, so gitfed's own applies can leave it out — on
   * creation (after the whole object is created) or when turned on later (the live count, before `body`).
   */
  replicas?: { count: unknown };
}

export interface ObjectDecision {
  object: KubeObject;
  key: string;
  id: string;
  stage: ApplyStage;
  /** The change when the write (if any) succeeds. */
  change: Change;
  write?: ObjectWrite;
  /** The record this object has after the pass: on success of its write (version filled in then), or as is. */
  record?: InventoryEntry;
  /** The record it had: kept when its write fails. */
  recorded?: InventoryEntry;
}

export interface PruneDecision {
  entry: InventoryEntry;
  id: string;
  /** delete / unmark (orphan) need a request; forget only drops the record; keep holds it (guard). */
  action: 'delete' | 'unmark' | 'forget' | 'keep';
  change: Change;
}

export interface MemberDecision {
  cluster: string;
  objects: ObjectDecision[];
  /** In execution order: dependents before what they depend on. */
  prune: PruneDecision[];
  /** Records to save before any write: the inventory plus every record a write may create. Null: none needed. */
  intent: Inventory | null;
  /** Records of the previous inventory that stay whatever happens (held objects, kinds not served …). */
  kept: InventoryEntry[];
  /** Every key this pass decided about: on a conflicting inventory save, the other writer's other records stay. */
  touched: Set<string>;
}

/** The objects whose change only a server-side dry-run can tell (rule 7), given what observe has read. */
export function previewsNeeded(desired: MemberDesired, observed: Omit<MemberObservation, 'previews'>, policy: MemberPolicy): KubeObject[] {
  const observation = withDefinedKinds(desired, observed);
  const previous = new Map(observation.inventory.entries.map((entry) => [entry.key, entry]));
  return desired.objects.filter((object) => checkObject(object, previous, observation, policy) === 'preview');
}

export function decideMember(desired: MemberDesired, observed: MemberObservation, policy: MemberPolicy): MemberDecision {
  const observation = withDefinedKinds(desired, observed);
  const previous = new Map(observation.inventory.entries.map((entry) => [entry.key, entry]));
  const objects = desired.objects.map((object) => decideObject(object, previous, observation, policy));
  const desiredKeys = new Set(objects.map((entry) => entry.key));
  const kept: InventoryEntry[] = [];
  const candidates: InventoryEntry[] = [];
  for (const entry of previous.values()) {
    if (desiredKeys.has(entry.key)) continue;
    const held = desired.held.reason(desired.cluster, { id: resourceId(entry), groupKind: groupKind(entry) });
    if (held) kept.push(entry);
    else candidates.push(entry);
  }
  const prune = decidePrune(candidates, previous.size, observation, policy);
  const intentEntries = objects.flatMap((entry) => (entry.write && !entry.recorded && entry.record ? [{ ...entry.record, version: '' }] : []));
  return {
    cluster: desired.cluster,
    objects,
    prune,
    intent: intentEntries.length > 0 ? { entries: [...observation.inventory.entries, ...intentEntries] } : null,
    kept,
    touched: new Set([...desiredKeys, ...previous.keys()]),
  };
}

function decideObject(object: KubeObject, previous: ReadonlyMap<string, InventoryEntry>, observation: MemberObservation, policy: MemberPolicy): ObjectDecision {
  const checked = checkObject(object, previous, observation, policy);
  return checked === 'preview' ? fromPreview(object, previous, observation, policy) : checked;
}

/** Rules 1–6: the decision, or 'preview' when only a dry-run can tell (rule 7). */
function checkObject(
  object: KubeObject,
  previous: ReadonlyMap<string, InventoryEntry>,
  observation: Omit<MemberObservation, 'previews'>,
  policy: MemberPolicy,
): ObjectDecision | 'preview' {
  const { base, id, hash, record, recorded, skip, retaining, live } = facts(object, previous, observation);
  if (!observation.served.has(`${object.apiVersion}/${object.kind}`)) {
    return skip('TypeNotServed', `the member does not serve ${object.apiVersion} ${object.kind}`, true);
  }
  if (!live) {
    const replicas = retaining ? replicasOf(object) : undefined;
    return {
      ...base,
      change: { id, action: 'created', propagation: 'ClusterPropagationOK' },
      // Created whole; with retainReplicas the count is then handed to the initial-replicas manager.
      write: { mode: 'create', body: object, force: true, ...(replicas !== undefined ? { replicas: { count: replicas } } : {}) },
      record,
    };
  }

  if (live.metadata.labels?.[managedLabel] === 'false') return skip('ManagedLabelFalse', `${managedLabel}: "false" on the member object`);
  const owner = live.metadata.annotations?.[instanceAnnotation];
  if (owner !== undefined && owner !== policy.instance) return skip('AlreadyExists', `managed by gitfed instance "${owner}"`);
  const adopting = owner === undefined;
  if (adopting && !mayAdopt(object, live, policy)) {
    return skip(
      'AlreadyExists',
      `exists in the member without gitfed's marks; set ${adoptAnnotation}: "true" on the federated object or pass --adopt to take it over`,
    );
  }
  if (!adopting && recorded && recorded.hash === hash && recorded.version === versionOf(live) && marksIntact(object, live)) {
    return { ...base, change: { id, action: 'unchanged', propagation: 'ClusterPropagationOK' }, record: recorded };
  }
  return 'preview';
}

/** Rule 7: what the dry-run says. */
function fromPreview(object: KubeObject, previous: ReadonlyMap<string, InventoryEntry>, observation: MemberObservation, policy: MemberPolicy): ObjectDecision {
  const { base, id, key, hash, record, recorded, skip, retaining, live } = facts(object, previous, observation);
  if (!live) return skip('UpdateFailed', 'the object vanished while it was being observed', true);
  const adopting = live.metadata.annotations?.[instanceAnnotation] === undefined;
  const preview = observation.previews.get(key);
  if (!preview) return skip('UpdateFailed', 'no server-side dry-run result for this object', true);
  if ('failed' in preview) return skip('UpdateFailed', preview.failed, true);
  // retainReplicas turned on for an object gitfed alone owned spec.replicas of: leaving the field out would reset
  // the count to its default, so the live count is handed to the initial-replicas manager first.
  const liveReplicas = replicasOf(live);
  let shown = preview.object;
  const keepReplicas = retaining && liveReplicas !== undefined && replicasOf(shown) !== liveReplicas;
  if (keepReplicas) shown = { ...shown, spec: { ...(shown.spec as Record<string, unknown>), replicas: liveReplicas } };
  const fields = diffFields(comparable(live), comparable(shown));
  if (fields.length === 0) {
    return { ...base, change: { id, action: 'unchanged', propagation: 'ClusterPropagationOK' }, record: { ...record, version: versionOf(live) } };
  }
  const drift = !adopting && recorded?.hash === hash;
  return {
    ...base,
    change: {
      id,
      action: 'configured',
      propagation: 'ClusterPropagationOK',
      fields,
      ...(drift ? { drift } : {}),
      ...(adopting ? { message: 'adopted: the pre-existing object is now managed by gitfed' } : {}),
    },
    write: {
      mode: 'configure',
      body: retaining ? withoutReplicas(object) : object,
      force: policy.conflicts === 'force',
      ...(keepReplicas ? { replicas: { count: liveReplicas } } : {}),
    },
    record,
  };
}

/**
 * Kinds that a CustomResourceDefinition of this pass defines count as served: the definitions stage applies and
 * establishes them before the objects of those kinds are written (and none of them can exist yet if the member
 * does not serve the kind now).
 */
function withDefinedKinds<T extends Omit<MemberObservation, 'previews'>>(desired: MemberDesired, observation: T): T {
  const defined = desired.objects.filter((object) => object.kind === 'CustomResourceDefinition').flatMap(definedKinds);
  if (defined.length === 0) return observation;
  return { ...observation, served: new Set([...observation.served, ...defined]) };
}

/** `group/version/Kind` for every version a CRD serves. */
function definedKinds(definition: KubeObject): string[] {
  const spec = (definition.spec ?? {}) as { group?: unknown; names?: { kind?: unknown }; versions?: { name?: unknown; served?: unknown }[] };
  if (typeof spec.group !== 'string' || typeof spec.names?.kind !== 'string') return [];
  const kind = spec.names.kind;
  return (spec.versions ?? []).filter((version) => version.served !== false && typeof version.name === 'string').map((version) => `${spec.group}/${String(version.name)}/${kind}`);
}

/** What every rule reads about one desired object. */
function facts(object: KubeObject, previous: ReadonlyMap<string, InventoryEntry>, observation: Omit<MemberObservation, 'previews'>) {
  const identity = identityOf(object);
  const key = objectKey(identity);
  const id = resourceId(identity);
  const recorded = previous.get(key);
  const base = { object, key, id, stage: stageOf(object.kind), ...(recorded ? { recorded } : {}) };
  const skip = (propagation: PropagationStatus, message: string, keep = false): ObjectDecision => ({
    ...base,
    change: { id, action: 'skipped', propagation, message },
    ...(keep && recorded ? { record: recorded } : {}),
  });
  const hash = hashObject(object);
  const record: InventoryEntry = { ...identity, key, hash, version: '', ...(isOrphaning(object) ? { orphan: true } : {}) };
  return {
    base, id, key, hash, record, recorded, skip,
    live: observation.live.get(key),
    retaining: isRetainingReplicas(object),
  };
}

function decidePrune(candidates: InventoryEntry[], managed: number, observation: MemberObservation, policy: MemberPolicy): PruneDecision[] {
  const deletions = candidates.filter((entry) => !entry.orphan).length;
  if (!policy.allowMassDeletion && holdsDeletions(deletions, managed, policy.deletionGuard)) {
    const message =
      `held: this apply would delete ${deletions} of ${managed} objects gitfed manages here; allow with --allow-mass-deletion ` +
      `or the ${allowMassDeletionAnnotation} annotation on the KubeFedCluster`;
    return candidates.map((entry) => ({ entry, id: resourceId(entry), action: 'keep', change: { id: resourceId(entry), action: 'skipped', propagation: 'DeletionGuarded', message } }));
  }
  const ordered = [...candidates].sort((a, b) => applyStages.indexOf(stageOf(b.kind)) - applyStages.indexOf(stageOf(a.kind)));
  return ordered.map((entry): PruneDecision => {
    const id = resourceId(entry);
    const live = observation.live.get(entry.key);
    if (!live) return { entry, id, action: 'forget', change: { id, action: 'deleted', propagation: 'ClusterPropagationOK', message: 'already gone from the member' } };
    if (live.metadata.annotations?.[instanceAnnotation] !== policy.instance || live.metadata.labels?.[managedLabel] === 'false') {
      return { entry, id, action: 'forget', change: { id, action: 'skipped', propagation: 'NotManaged', message: 'no longer carries gitfed marks; left in place and forgotten' } };
    }
    if (entry.orphan) {
      return { entry, id, action: 'unmark', change: { id, action: 'deleted', propagation: 'Orphaned', message: 'left in the member without gitfed marks (kubefed.io/orphan)' } };
    }
    return { entry, id, action: 'delete', change: { id, action: 'deleted', propagation: 'ClusterPropagationOK' } };
  });
}

function mayAdopt(object: KubeObject, live: KubeObject, policy: MemberPolicy): boolean {
  return (
    policy.adopt ||
    object.metadata.annotations?.[adoptAnnotation] === 'true' ||
    // KubeFed left it: its managed label without a gitfed instance.
    live.metadata.labels?.[managedLabel] === 'true'
  );
}

export function isRetainingReplicas(object: KubeObject): boolean {
  return object.metadata.annotations?.[retainReplicasAnnotation] === 'true';
}

function isOrphaning(object: KubeObject): boolean {
  return object.metadata.annotations?.[orphanAnnotation] === 'true';
}

export function replicasOf(object: KubeObject): unknown {
  return (object.spec as { replicas?: unknown } | undefined)?.replicas;
}

export function withoutReplicas(object: KubeObject): KubeObject {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec || !('replicas' in spec)) return object;
  const { replicas: _replicas, ...rest } = spec;
  return { ...object, spec: rest };
}

/** Every label and annotation gitfed wants is on the live object with the same value. */
function marksIntact(object: KubeObject, live: KubeObject): boolean {
  const covered = (want: Record<string, string> | undefined, have: Record<string, string> | undefined) =>
    Object.entries(want ?? {}).every(([key, value]) => have?.[key] === value);
  return covered(object.metadata.labels, live.metadata.labels) && covered(object.metadata.annotations, live.metadata.annotations);
}

/** What may differ between live and a dry-run without being a change. */
function comparable(object: KubeObject): unknown {
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...metadata } = object.metadata;
  const { status: _status, ...rest } = object;
  return { ...rest, metadata };
}

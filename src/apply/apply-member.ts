/**
 * Applies one member's desired objects: stage by stage with server-side apply, then prunes what left Git from
 * the member's inventory. Reads first (one list per kind) and writes only what differs: a second apply of the
 * same revision sends no write (STYLE habit 5).
 *
 * Per desired object, in order:
 *   1. the member does not serve the kind            → skipped, TypeNotServed
 *   2. the live object says kubefed.io/managed=false → skipped, ManagedLabelFalse (never touched)
 *   3. the live object is not gitfed's               → adopted when allowed (KubeFed's own label, --adopt, or
 *                                                      gitfed.io/adopt on the federated object), else skipped,
 *                                                      AlreadyExists
 *   4. gitfed's, same desired hash and same version as recorded, marks intact → unchanged, no request
 *   5. otherwise a server-side dry-run decides: no difference → unchanged; else apply → configured (drift when
 *      Git did not change)
 *   6. absent → created
 */
import type { Logger } from 'pino';
import { ClusterRequestError, type ClusterClient } from '../cluster/cluster-client.ts';
import {
  adoptAnnotation,
  allowMassDeletionAnnotation,
  federatedObjectAnnotation,
  instanceAnnotation,
  managedLabel,
  orphanAnnotation,
  retainReplicasAnnotation,
} from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import { compareChanges, type Change, type ClusterChanges, type PropagationStatus } from '../plan/change-set.ts';
import { holdsDeletions, type DeletionGuardPolicy } from '../plan/deletion-guard.ts';
import { diffFields } from '../plan/diff-fields.ts';
import { hashObject, versionOf, type InventoryEntry } from '../plan/inventory.ts';
import { groupOf, idOf, identityOf, objectKey, type ObjectIdentity } from '../plan/object-key.ts';
import { applyStages, stageOf } from '../render/order-objects.ts';
import { readInventory, writeInventory } from './inventory-store.ts';
import { waitForEstablished } from './wait-for-established.ts';

export type ConflictPolicy = 'force' | 'fail';

export interface MemberApplyOptions {
  instance: string;
  /** Decide everything with server-side dry-runs; persist nothing. */
  dryRun: boolean;
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
  /** Ids (`Kind/namespace/name`) that failed to render here or whose type is disabled: left as they are. */
  held: ReadonlySet<string>;
  /** `group/Kind` of disabled types: their inventory entries are kept, even for objects that left Git. */
  heldKinds?: ReadonlySet<string>;
}

export interface MemberApplyResult extends ClusterChanges {
  /** Why the member was not reachable, or why its inventory could not be saved. */
  message?: string;
  /** The inventory could not be saved: the next apply repeats this one's work, and prunes nothing it added. */
  inventoryFailed?: boolean;
}

/** Manager that sets spec.replicas once, on creation, for retainReplicas objects (decision 12). */
export const initialReplicasManager = 'gitfed-initial-replicas';

export async function applyMember(
  desired: MemberDesired,
  client: ClusterClient,
  options: MemberApplyOptions,
  deps: { logger: Logger },
): Promise<MemberApplyResult> {
  const logger = deps.logger.child({ cluster: desired.cluster });
  const probe = await client.probe();
  if (!probe.ok) {
    logger.warn({ message: probe.message }, 'member not ready; skipped');
    return notReady(desired, probe.message);
  }

  const stored = await readInventory(client, options.instance).catch((err: unknown) => err as Error);
  if (stored instanceof Error) return notReady(desired, stored.message);
  if (stored.problem) logger.warn({ problem: stored.problem }, 'inventory unreadable; starting from an empty one');
  const previous = new Map(stored.inventory.entries.map((entry) => [entry.key, entry]));
  const next = new Map<string, InventoryEntry>();
  const changes: Change[] = [];
  const live = new LiveObjects(client);
  let unreachable: string | undefined;

  const run = async (id: string, work: () => Promise<Change>): Promise<Change> => {
    if (unreachable) return { id, action: 'skipped', propagation: 'ClusterNotReady', message: unreachable };
    try {
      return await work();
    } catch (err) {
      if (err instanceof ClusterRequestError && err.unreachable) unreachable ??= err.message;
      throw err;
    }
  };

  for (const stage of applyStages) {
    const objects = desired.objects.filter((object) => stageOf(object.kind) === stage);
    const stageChanges = await Promise.all(
      objects.map((object) =>
        run(idOf(identityOf(object)), () => applyObject(object)).catch((err: unknown) => failure(object, err)),
      ),
    );
    changes.push(...stageChanges);
    if (stage === 'definitions' && !options.dryRun) {
      const touched = objects.filter((_, index) => ['created', 'configured'].includes(stageChanges[index]?.action ?? ''));
      if (touched.length > 0) {
        await waitForEstablished(client, touched);
        client.invalidateDiscovery();
      }
    }
  }

  async function applyObject(object: KubeObject): Promise<Change> {
    const identity = identityOf(object);
    const id = idOf(identity);
    const key = objectKey(identity);
    const recorded = previous.get(key);
    const keepRecord = () => {
      if (recorded) next.set(key, recorded);
    };
    if ((await client.scopeOf(object.apiVersion, object.kind)) === null) {
      keepRecord();
      return { id, action: 'skipped', propagation: 'TypeNotServed', message: `the member does not serve ${object.apiVersion} ${object.kind}` };
    }
    const current = await live.find(identity);
    const hash = hashObject(object);
    const record = (result: KubeObject): void => {
      next.set(key, { ...identity, key, hash, version: versionOf(result), ...(isOrphaning(object) ? { orphan: true } : {}) });
    };

    if (!current) {
      if (options.dryRun) return { id, action: 'created', propagation: 'ClusterPropagationOK' };
      const created = await client.apply(object, { force: true }).catch((err: unknown) => {
        keepRecord();
        throw withStatus(err, 'CreationFailed');
      });
      const result = isRetainingReplicas(object) ? await handOverReplicas(object, created) : created;
      record(result);
      return { id, action: 'created', propagation: 'ClusterPropagationOK' };
    }

    if (current.metadata.labels?.[managedLabel] === 'false') {
      return { id, action: 'skipped', propagation: 'ManagedLabelFalse', message: `${managedLabel}: "false" on the member object` };
    }
    const owner = current.metadata.annotations?.[instanceAnnotation];
    const adopting = owner === undefined;
    if (owner !== undefined && owner !== options.instance) {
      return { id, action: 'skipped', propagation: 'AlreadyExists', message: `managed by gitfed instance "${owner}"` };
    }
    if (adopting && !mayAdopt(object, current)) {
      return {
        id,
        action: 'skipped',
        propagation: 'AlreadyExists',
        message: `exists in the member without gitfed's marks; set ${adoptAnnotation}: "true" on the federated object or pass --adopt to take it over`,
      };
    }

    const applied = isRetainingReplicas(object) ? withoutReplicas(object) : object;
    if (!adopting && recorded && recorded.hash === hash && recorded.version === versionOf(current) && marksIntact(object, current)) {
      next.set(key, recorded);
      return { id, action: 'unchanged', propagation: 'ClusterPropagationOK' };
    }
    const force = options.conflicts === 'force';
    let preview = await client.apply(applied, { dryRun: true, force }).catch((err: unknown) => {
      keepRecord();
      throw withStatus(err, 'UpdateFailed');
    });
    // retainReplicas turned on for an object gitfed alone owned spec.replicas of: leaving the field out would
    // reset the count to its default. The live count is handed to the initial-replicas manager first (below).
    const liveReplicas = replicasOf(current);
    const keepReplicas = isRetainingReplicas(object) && liveReplicas !== undefined && replicasOf(preview) !== liveReplicas;
    if (keepReplicas) preview = { ...preview, spec: { ...(preview.spec as Record<string, unknown>), replicas: liveReplicas } };
    const fields = diffFields(comparable(current), comparable(preview));
    const drift = !adopting && recorded?.hash === hash;
    if (fields.length === 0) {
      record(current);
      return { id, action: 'unchanged', propagation: 'ClusterPropagationOK' };
    }
    const message = adopting ? 'adopted: the pre-existing object is now managed by gitfed' : undefined;
    if (options.dryRun) {
      keepRecord();
      return { id, action: 'configured', propagation: 'ClusterPropagationOK', fields, ...(drift ? { drift } : {}), ...(message ? { message } : {}) };
    }
    if (keepReplicas) {
      await client.apply(replicasOnly(object, liveReplicas), { fieldManager: initialReplicasManager, force: true }).catch((err: unknown) => {
        keepRecord();
        throw withStatus(err, 'UpdateFailed');
      });
    }
    const result = await client.apply(applied, { force }).catch((err: unknown) => {
      keepRecord();
      throw withStatus(err, 'UpdateFailed');
    });
    record(result);
    return { id, action: 'configured', propagation: 'ClusterPropagationOK', fields, ...(drift ? { drift } : {}), ...(message ? { message } : {}) };
  }

  /** retainReplicas: a second manager owns the initial spec.replicas, so gitfed's own applies can leave it out. */
  async function handOverReplicas(object: KubeObject, created: KubeObject): Promise<KubeObject> {
    const replicas = replicasOf(object);
    if (replicas === undefined) return created;
    await client.apply(replicasOnly(object, replicas), { fieldManager: initialReplicasManager, force: true });
    return client.apply(withoutReplicas(object), { force: true });
  }

  function failure(object: KubeObject, err: unknown): Change {
    const id = idOf(identityOf(object));
    if (err instanceof ClusterRequestError && err.unreachable) {
      return { id, action: 'skipped', propagation: 'ClusterNotReady', message: err.message };
    }
    const status: PropagationStatus = err instanceof StatusError ? err.status : 'UpdateFailed';
    const message = err instanceof StatusError ? err.cause.message : (err as Error).message;
    logger.warn({ resource: id, status, message }, 'apply failed');
    return { id, action: 'skipped', propagation: status, message };
  }

  // Prune: the previous inventory minus what is desired now, minus what is held.
  const desiredKeys = new Set(desired.objects.map((object) => objectKey(identityOf(object))));
  const candidates: InventoryEntry[] = [];
  for (const entry of previous.values()) {
    if (desiredKeys.has(entry.key)) continue;
    if (desired.held.has(idOf(entry)) || desired.heldKinds?.has(`${groupOf(entry.apiVersion)}/${entry.kind}`)) next.set(entry.key, entry);
    else candidates.push(entry);
  }
  const deletions = candidates.filter((entry) => !entry.orphan).length;
  if (!options.allowMassDeletion && holdsDeletions(deletions, previous.size, options.deletionGuard)) {
    for (const entry of candidates) {
      next.set(entry.key, entry);
      changes.push({
        id: idOf(entry),
        action: 'skipped',
        propagation: 'DeletionGuarded',
        message: `held: this apply would delete ${deletions} of ${previous.size} objects gitfed manages here; allow with --allow-mass-deletion or the ${allowMassDeletionAnnotation} annotation on the KubeFedCluster`,
      });
    }
  } else {
    // Dependents go before what they depend on: reverse apply order.
    const ordered = [...candidates].sort((a, b) => applyStages.indexOf(stageOf(b.kind)) - applyStages.indexOf(stageOf(a.kind)));
    for (const entry of ordered) {
      const change = await run(idOf(entry), () => pruneEntry(entry)).catch((err: unknown) => {
        next.set(entry.key, entry);
        const unreachableNow = err instanceof ClusterRequestError && err.unreachable;
        return {
          id: idOf(entry),
          action: 'skipped' as const,
          propagation: (unreachableNow ? 'ClusterNotReady' : entry.orphan ? 'LabelRemovalFailed' : 'DeletionFailed') as PropagationStatus,
          message: (err as Error).message,
        };
      });
      changes.push(change);
    }
  }

  async function pruneEntry(entry: InventoryEntry): Promise<Change> {
    const id = idOf(entry);
    const current = await client.get(entry);
    if (!current) return { id, action: 'deleted', propagation: 'ClusterPropagationOK', message: 'already gone from the member' };
    if (current.metadata.annotations?.[instanceAnnotation] !== options.instance || current.metadata.labels?.[managedLabel] === 'false') {
      return { id, action: 'skipped', propagation: 'NotManaged', message: 'no longer carries gitfed marks; left in place and forgotten' };
    }
    if (options.dryRun) {
      next.set(entry.key, entry);
      return { id, action: 'deleted', propagation: entry.orphan ? 'Orphaned' : 'ClusterPropagationOK' };
    }
    if (entry.orphan) {
      await client.mergePatch(entry, { metadata: { labels: { [managedLabel]: null }, annotations: unmarkAnnotations() } });
      return { id, action: 'deleted', propagation: 'Orphaned', message: 'left in the member without gitfed marks (kubefed.io/orphan)' };
    }
    await client.delete(entry, { propagationPolicy: 'Background' });
    if (await client.get(entry)) {
      next.set(entry.key, entry);
      return { id, action: 'deleted', propagation: 'WaitingForRemoval', message: 'deletion accepted; waiting for finalizers' };
    }
    return { id, action: 'deleted', propagation: 'ClusterPropagationOK' };
  }

  if (unreachable) {
    // Keep every record we had: nothing may be forgotten because a member went away mid-apply.
    for (const entry of previous.values()) if (!next.has(entry.key)) next.set(entry.key, entry);
  } else if (!options.dryRun) {
    const saved = await writeInventory(client, options.instance, stored.inventory, { entries: [...next.values()] }).catch(
      (err: unknown) => err as Error,
    );
    if (saved instanceof Error) {
      logger.error({ message: saved.message }, 'inventory not saved');
      return { reachable: true, changes: changes.sort(compareChanges), message: `inventory not saved: ${saved.message}`, inventoryFailed: true };
    }
  }
  return {
    reachable: unreachable === undefined,
    changes: changes.sort(compareChanges),
    ...(unreachable ? { message: unreachable } : {}),
  };

  function mayAdopt(object: KubeObject, current: KubeObject): boolean {
    return (
      options.adopt ||
      object.metadata.annotations?.[adoptAnnotation] === 'true' ||
      // KubeFed left it: its managed label without a gitfed instance (decision 10).
      current.metadata.labels?.[managedLabel] === 'true'
    );
  }
}

/**
 * Lists each kind once, completely (paged), so one request per kind tells both what gitfed holds and which
 * names already exist unmarked (adoption safety) — no per-object GET, even on a first apply.
 */
class LiveObjects {
  readonly #client: ClusterClient;
  readonly #lists = new Map<string, Promise<Map<string, KubeObject>>>();

  constructor(client: ClusterClient) {
    this.#client = client;
  }

  async find(identity: ObjectIdentity): Promise<KubeObject | null> {
    const kind = `${identity.apiVersion}/${identity.kind}`;
    let listed = this.#lists.get(kind);
    if (!listed) {
      listed = this.#client
        .list(identity.apiVersion, identity.kind)
        .then((objects) => new Map(objects.map((object) => [objectKey(identityOf(object)), object])));
      this.#lists.set(kind, listed);
    }
    return (await listed).get(objectKey(identity)) ?? null;
  }
}

class StatusError extends Error {
  readonly status: PropagationStatus;
  override readonly cause: Error;

  constructor(status: PropagationStatus, cause: Error) {
    super(cause.message);
    this.status = status;
    this.cause = cause;
  }
}

function withStatus(err: unknown, status: PropagationStatus): Error {
  if (err instanceof ClusterRequestError && err.unreachable) return err;
  return new StatusError(status, err instanceof Error ? err : new Error(String(err)));
}

function notReady(desired: MemberDesired, message: string): MemberApplyResult {
  return {
    reachable: false,
    message,
    changes: desired.objects
      .map((object): Change => ({ id: idOf(identityOf(object)), action: 'skipped', propagation: 'ClusterNotReady', message }))
      .sort(compareChanges),
  };
}

function isOrphaning(object: KubeObject): boolean {
  return object.metadata.annotations?.[orphanAnnotation] === 'true';
}

function isRetainingReplicas(object: KubeObject): boolean {
  return object.metadata.annotations?.[retainReplicasAnnotation] === 'true';
}

function replicasOf(object: KubeObject): unknown {
  return (object.spec as { replicas?: unknown } | undefined)?.replicas;
}

/** Just the object's identity and spec.replicas, for the initial-replicas manager to own. */
function replicasOnly(object: KubeObject, replicas: unknown): KubeObject {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) },
    spec: { replicas },
  };
}

function withoutReplicas(object: KubeObject): KubeObject {
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

function unmarkAnnotations(): Record<string, null> {
  return {
    [instanceAnnotation]: null,
    [federatedObjectAnnotation]: null,
    [orphanAnnotation]: null,
    [retainReplicasAnnotation]: null,
    [adoptAnnotation]: null,
  };
}

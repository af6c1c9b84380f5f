/**
 * Execute, for one member, what decide chose — the only place apply writes. Two steps the reconcile recipe runs
 * one after the other for every member:
 *   writeMember: save the intent inventory (records of everything about to be created), then the writes in
 *                stages (Namespaces, CRDs → wait until Established, RBAC, the rest, Pod-starting workloads);
 *   pruneMember: deletions and orphaning in reverse stage order, then the inventory with what the member holds.
 * Every failure lands in the change set (the object's KubeFed status word) and in the member's failures (stage
 * reason); a member that stops answering skips the rest of its work as ClusterNotReady and keeps every record.
 */
import { ClusterRequestError, type ClusterClient } from '../cluster/cluster-client.ts';
import type { MemberFailure } from '../model/stage-reason.ts';
import type { KubeObject } from '../model/types.ts';
import { compareChanges, type Change, type PropagationStatus } from '../plan/change-set.ts';
import type { ObjectDecision, PruneDecision } from '../plan/decide-member.ts';
import { withoutReplicas } from '../plan/decide-member.ts';
import { versionOf, type InventoryEntry } from '../plan/inventory.ts';
import { federatedObjectAnnotation, instanceAnnotation, managedLabel, orphanAnnotation, retainReplicasAnnotation, adoptAnnotation } from '../model/marks.ts';
import { applyStages, stageOf } from '../render/order-objects.ts';
import { saveInventory, type StoredInventory } from './inventory-store.ts';
import { mapBounded, writesInFlight } from './map-bounded.ts';
import type { ObservedMember } from './observe-member.ts';
import { waitForEstablished } from './wait-for-established.ts';
import { stageProgress, type ProgressSink } from './progress.ts';

/** Manager that owns spec.replicas of retainReplicas objects, so gitfed's own applies can leave it out. */
export const initialReplicasManager = 'gitfed-initial-replicas';

export interface WrittenMember extends ObservedMember {
  /** The intent could not be saved, so nothing was written: nothing is pruned or saved either. */
  blocked?: boolean;
  /** Per desired object: its final change and the record it leaves. */
  outcomes: { change: Change; record?: InventoryEntry | undefined }[];
  stored: StoredInventory;
  failures: MemberFailure[];
  /** Set once the member stopped answering: nothing more is sent to it this pass. */
  unreachable?: string;
}

export interface PrunedMember {
  reachable: boolean;
  message?: string;
  changes: Change[];
  failures: MemberFailure[];
  inventory?: { entries: number; bytes: number; written: boolean };
}

export async function writeMember(member: ObservedMember, options: { establishTimeoutMs?: number; onProgress?: ProgressSink } = {}): Promise<WrittenMember> {
  const { client, decision } = member;
  const progress = stageProgress(options.onProgress, member.cluster, 'write', decision.objects.filter((entry) => entry.write).length);
  const failures: MemberFailure[] = [];
  let stored = member.stored;
  if (decision.intent) {
    try {
      stored = (await saveInventory(client, member.policy.instance, stored, decision.intent, decision.touched)).stored;
    } catch (err) {
      const message = `the inventory could not record what this pass creates, so nothing was written: ${messageOf(err)}`;
      const unreachable = isUnreachable(err) ? messageOf(err) : undefined;
      return {
        ...member,
        stored,
        blocked: true,
        failures: [{ stage: unreachable ? 'ClusterNotReady' : 'InventorySaveFailed', message }],
        ...(unreachable ? { unreachable } : {}),
        outcomes: decision.objects.map((entry) => notWritten(entry, message)),
      };
    }
  }

  const state: { unreachable?: string } = {};
  const outcomes = new Map<ObjectDecision, WrittenMember['outcomes'][number]>();
  for (const stage of applyStages) {
    const objects = decision.objects.filter((entry) => entry.stage === stage);
    await mapBounded(objects, writesInFlight, async (entry) => {
      outcomes.set(entry, await writeObject(client, entry, state));
      if (entry.write) progress.step();
    });
    const established = objects.filter((entry) => entry.object.kind === 'CustomResourceDefinition' && entry.write && outcomes.get(entry)?.change.propagation === 'ClusterPropagationOK');
    if (established.length > 0 && !state.unreachable) {
      progress.waiting(`waiting for ${established.length} CRD(s) to be Established`);
      await waitForEstablished(client, established.map((entry) => entry.object), { timeoutMs: options.establishTimeoutMs }).catch((err: unknown) => {
        failures.push({ stage: 'ApplyFailed', message: messageOf(err) });
      });
      client.invalidateDiscovery();
      progress.resume();
    }
  }
  const ordered = decision.objects.map((entry) => outcomes.get(entry)!);
  const failed = ordered.filter((outcome) => isWriteFailure(outcome.change)).length;
  if (state.unreachable) failures.push({ stage: 'ClusterNotReady', message: state.unreachable });
  else if (failed > 0) failures.push({ stage: 'ApplyFailed', message: `${failed} object(s) were not applied` });
  return { ...member, stored, failures, outcomes: ordered, ...(state.unreachable ? { unreachable: state.unreachable } : {}) };
}

export async function pruneMember(member: WrittenMember, options: { onProgress?: ProgressSink } = {}): Promise<PrunedMember> {
  const { client, decision } = member;
  const failures = [...member.failures];
  const state: { unreachable?: string | undefined } = { unreachable: member.unreachable };
  const pruned: { change: Change; record?: InventoryEntry }[] = [];
  if (member.blocked) return blockedResult(member);
  const progress = stageProgress(options.onProgress, member.cluster, 'prune', decision.prune.filter((entry) => entry.action === 'delete' || entry.action === 'unmark').length);
  // Dependents before what they depend on: decide ordered them; each stage's deletions run together.
  for (const group of stageGroups(decision.prune)) {
    pruned.push(
      ...(await mapBounded(group, writesInFlight, async (entry) => {
        const outcome = await pruneEntry(client, entry, state);
        if (entry.action === 'delete' || entry.action === 'unmark') progress.step();
        return outcome;
      })),
    );
  }
  const notPruned = pruned.filter((outcome) => ['DeletionFailed', 'LabelRemovalFailed'].includes(outcome.change.propagation)).length;
  if (notPruned > 0) failures.push({ stage: 'PruneFailed', message: `${notPruned} object(s) were not pruned` });
  if (state.unreachable && !member.unreachable) failures.push({ stage: 'ClusterNotReady', message: state.unreachable });

  const changes = [...member.outcomes.map((outcome) => outcome.change), ...pruned.map((outcome) => outcome.change)].sort(compareChanges);
  const result = (extra: Partial<PrunedMember>): PrunedMember => ({
    reachable: state.unreachable === undefined,
    ...(state.unreachable ? { message: state.unreachable } : {}),
    changes,
    failures,
    ...extra,
  });
  // A member that went away keeps the inventory it has: nothing may be forgotten because of it.
  if (state.unreachable) return result({});
  const entries = [...decision.kept, ...member.outcomes.flatMap((o) => (o.record ? [o.record] : [])), ...pruned.flatMap((o) => (o.record ? [o.record] : []))];
  try {
    const saved = await saveInventory(client, member.policy.instance, member.stored, { entries }, decision.touched);
    return result({ inventory: { entries: entries.length, bytes: saved.bytes, written: saved.written } });
  } catch (err) {
    failures.push({ stage: isUnreachable(err) ? 'ClusterNotReady' : 'InventorySaveFailed', message: `inventory not saved: ${messageOf(err)}` });
    return result({});
  }
}

/** Nothing was written, so nothing is pruned: what needed a request is reported not done, the rest as decided. */
function blockedResult(member: WrittenMember): PrunedMember {
  const message = 'not pruned: the inventory could not be saved in this pass';
  const pruned = member.decision.prune.map((entry): Change =>
    entry.action === 'delete' || entry.action === 'unmark' ? { id: entry.id, action: 'skipped', propagation: 'DeletionFailed', message } : entry.change,
  );
  return {
    reachable: member.unreachable === undefined,
    ...(member.unreachable ? { message: member.unreachable } : {}),
    changes: [...member.outcomes.map((outcome) => outcome.change), ...pruned].sort(compareChanges),
    failures: member.failures,
  };
}

async function writeObject(client: ClusterClient, entry: ObjectDecision, state: { unreachable?: string }): Promise<WrittenMember['outcomes'][number]> {
  const { write } = entry;
  if (!write) return { change: entry.change, record: entry.record };
  if (state.unreachable) return { change: { id: entry.id, action: 'skipped', propagation: 'ClusterNotReady', message: state.unreachable }, record: entry.recorded ?? entry.record };
  try {
    let result: KubeObject;
    if (write.mode === 'create') {
      result = await client.apply(write.body, { force: true });
      if (write.replicas) {
        await client.apply(replicasOnly(entry.object, write.replicas.count), { fieldManager: initialReplicasManager, force: true });
        result = await client.apply(withoutReplicas(write.body), { force: true });
      }
    } else {
      if (write.replicas) await client.apply(replicasOnly(entry.object, write.replicas.count), { fieldManager: initialReplicasManager, force: true });
      result = await client.apply(write.body, { force: write.force });
    }
    return { change: entry.change, record: { ...entry.record!, version: versionOf(result) } };
  } catch (err) {
    if (isUnreachable(err)) {
      state.unreachable ??= messageOf(err);
      // The write may have landed: the intent record (or the old one) stays, so the object is never lost track of.
      return { change: { id: entry.id, action: 'skipped', propagation: 'ClusterNotReady', message: messageOf(err) }, record: entry.recorded ?? entry.record };
    }
    const propagation: PropagationStatus = write.mode === 'create' ? 'CreationFailed' : 'UpdateFailed';
    // A refusal (4xx) wrote nothing; after a server error the write may have landed, so its record stays.
    const refused = err instanceof ClusterRequestError && err.status !== null && err.status < 500;
    return { change: { id: entry.id, action: 'skipped', propagation, message: messageOf(err) }, record: refused ? entry.recorded : (entry.recorded ?? entry.record) };
  }
}

async function pruneEntry(client: ClusterClient, entry: PruneDecision, state: { unreachable?: string | undefined }): Promise<{ change: Change; record?: InventoryEntry }> {
  if (entry.action === 'keep') return { change: entry.change, record: entry.entry };
  if (entry.action === 'forget') return { change: entry.change };
  if (state.unreachable) return { change: { id: entry.id, action: 'skipped', propagation: 'ClusterNotReady', message: state.unreachable }, record: entry.entry };
  try {
    if (entry.action === 'unmark') {
      await client.mergePatch(entry.entry, { metadata: { labels: { [managedLabel]: null }, annotations: unmarkAnnotations() } });
      return { change: entry.change };
    }
    const outcome = await client.delete(entry.entry, { propagationPolicy: 'Background' });
    if (outcome === 'pending') {
      return { change: { id: entry.id, action: 'deleted', propagation: 'WaitingForRemoval', message: 'deletion accepted; waiting for finalizers' }, record: entry.entry };
    }
    return { change: outcome === 'absent' ? { ...entry.change, message: 'already gone from the member' } : entry.change };
  } catch (err) {
    if (isUnreachable(err)) state.unreachable ??= messageOf(err);
    const propagation: PropagationStatus = isUnreachable(err) ? 'ClusterNotReady' : entry.action === 'unmark' ? 'LabelRemovalFailed' : 'DeletionFailed';
    return { change: { id: entry.id, action: 'skipped', propagation, message: messageOf(err) }, record: entry.entry };
  }
}

/** Runs of decisions in the same apply stage (decide ordered them by stage, dependents first). */
function stageGroups(prune: readonly PruneDecision[]): PruneDecision[][] {
  const groups: PruneDecision[][] = [];
  let previous: string | undefined;
  for (const entry of prune) {
    const stage = stageOf(entry.entry.kind);
    if (stage !== previous) groups.push([]);
    previous = stage;
    groups[groups.length - 1]!.push(entry);
  }
  return groups;
}

function notWritten(entry: ObjectDecision, message: string): WrittenMember['outcomes'][number] {
  if (!entry.write) return { change: entry.change, record: entry.record };
  const propagation: PropagationStatus = entry.write.mode === 'create' ? 'CreationFailed' : 'UpdateFailed';
  return { change: { id: entry.id, action: 'skipped', propagation, message }, record: entry.recorded };
}

function isWriteFailure(change: Change): boolean {
  return change.propagation === 'CreationFailed' || change.propagation === 'UpdateFailed';
}

export function isUnreachable(err: unknown): boolean {
  return err instanceof ClusterRequestError && err.unreachable;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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

function unmarkAnnotations(): Record<string, null> {
  return {
    [instanceAnnotation]: null,
    [federatedObjectAnnotation]: null,
    [orphanAnnotation]: null,
    [retainReplicasAnnotation]: null,
    [adoptAnnotation]: null,
  };
}

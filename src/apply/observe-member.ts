/**
 * Observe, for one member (read-only): probe, read the inventory, list each desired or inventoried kind once,
 * run the server-side dry-runs that decide asks for, then decide (pure, plan/decide-member.ts). Nothing is
 * written here, so `--dry-run` and `plan --live` stop after this step. A member that cannot be observed whole
 * fails with a stage reason (ClusterNotReady, InventoryReadFailed, ObserveFailed) and is written nothing.
 */
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { ClusterRequestError } from '../cluster/cluster-client.ts';
import { GitfedError } from '../model/diagnostic.ts';
import { identityOf, objectKey } from '../model/identity.ts';
import type { KubeObject } from '../model/types.ts';
import {
  decideMember,
  isRetainingReplicas,
  previewsNeeded,
  type MemberDecision,
  type MemberDesired,
  type MemberObservation,
  type MemberPolicy,
  type Preview,
  withoutReplicas,
} from '../plan/decide-member.ts';
import { readInventory, type StoredInventory } from './inventory-store.ts';
import { mapBounded, writesInFlight } from './map-bounded.ts';
import { stageProgress, type ProgressSink, type StageProgress } from './progress.ts';

export interface ObservedMember {
  cluster: string;
  client: ClusterClient;
  policy: MemberPolicy;
  stored: StoredInventory;
  decision: MemberDecision;
}

export async function observeMember(desired: MemberDesired, client: ClusterClient, policy: MemberPolicy, onProgress?: ProgressSink): Promise<ObservedMember> {
  const listing = stageProgress(onProgress, desired.cluster, 'observe', desired.objects.length);
  const probe = await client.probe();
  if (!probe.ok) throw new GitfedError('ClusterNotReady', probe.message, { cluster: desired.cluster });
  const stored = await readInventory(client, policy.instance).catch((err: unknown) => {
    throw err instanceof GitfedError && err.code === 'InventoryReadFailed' ? err : asStageError('InventoryReadFailed', desired.cluster, err);
  });
  try {
    const kinds = kindsOf(desired.objects, stored.inventory.entries);
    const { served, live } = await listKinds(client, kinds, (apiVersion, kind) =>
      listing.step(desired.objects.filter((object) => object.apiVersion === apiVersion && object.kind === kind).length),
    );
    const seen = { served, live, inventory: stored.inventory };
    const needed = previewsNeeded(desired, seen, policy);
    const previews = await dryRun(client, needed, policy, needed.length > 0 ? stageProgress(onProgress, desired.cluster, 'observe', needed.length, 'server-side dry-runs') : undefined);
    const observation: MemberObservation = { ...seen, previews };
    return { cluster: desired.cluster, client, policy, stored, decision: decideMember(desired, observation, policy) };
  } catch (err) {
    throw asStageError('ObserveFailed', desired.cluster, err);
  }
}

/** A member that stopped answering is ClusterNotReady whatever step it was in. */
function asStageError(stage: 'ObserveFailed' | 'InventoryReadFailed', cluster: string, err: unknown): GitfedError {
  if (err instanceof ClusterRequestError && err.unreachable) return new GitfedError('ClusterNotReady', err.message, { cluster }, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new GitfedError(stage, message, { cluster }, { cause: err });
}

/** Distinct `apiVersion` + `kind` pairs, in first-seen order. */
function kindsOf(objects: readonly KubeObject[], entries: readonly { apiVersion: string; kind: string }[]): { apiVersion: string; kind: string }[] {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const { apiVersion, kind } of [...objects, ...entries]) kinds.set(`${apiVersion}/${kind}`, { apiVersion, kind });
  return [...kinds.values()];
}

async function listKinds(client: ClusterClient, kinds: readonly { apiVersion: string; kind: string }[], listed: (apiVersion: string, kind: string) => void = () => {}) {
  const served = new Set<string>();
  const live = new Map<string, KubeObject>();
  await Promise.all(
    kinds.map(async ({ apiVersion, kind }) => {
      if ((await client.scopeOf(apiVersion, kind)) === null) return;
      served.add(`${apiVersion}/${kind}`);
      for (const object of await client.list(apiVersion, kind)) live.set(objectKey(identityOf(object)), object);
      listed(apiVersion, kind);
    }),
  );
  return { served, live };
}

/** Dry-runs; a refusal is the object's own answer (UpdateFailed), a member that stopped answering fails observe. */
async function dryRun(client: ClusterClient, objects: readonly KubeObject[], policy: MemberPolicy, progress?: StageProgress): Promise<Map<string, Preview>> {
  const force = policy.conflicts === 'force';
  const entries = await mapBounded(objects, writesInFlight, async (object): Promise<[string, Preview]> => {
    const key = objectKey(identityOf(object));
    try {
      // The dry-run sends what the write would: without spec.replicas when the member keeps the count.
      const sent = isRetainingReplicas(object) ? withoutReplicas(object) : object;
      return [key, { object: await client.apply(sent, { dryRun: true, force }) }];
    } catch (err) {
      if (!(err instanceof ClusterRequestError) || err.unreachable) throw err;
      return [key, { failed: err.message }];
    } finally {
      progress?.step();
    }
  });
  return new Map(entries);
}


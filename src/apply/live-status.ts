/**
 * Reads back what each member holds for the rendered objects and computes health (pure rules in health/).
 * One list per kind and member; a GET only for objects the list did not show.
 */
import { computeHealth, type Health, type HealthStatus } from '../health/compute-health.ts';
import { countByStatus } from '../health/aggregate-health.ts';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import type { MemberConnection } from '../cluster/connect-members.ts';
import { instanceAnnotation, managedLabel } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import type { PropagationStatus } from '../plan/change-set.ts';
import { identityOf, objectKey, resourceId } from '../model/identity.ts';
import type { RenderResult } from '../render/render.ts';
import { report, stageProgress, type ProgressSink } from './progress.ts';

export interface ObjectStatus {
  id: string;
  /** Absent when the object is simply not there yet (health says NotFound). */
  propagation?: PropagationStatus;
  health: Health;
}

export interface MemberStatus {
  reachable: boolean;
  message?: string;
  objects: ObjectStatus[];
  counts: Record<HealthStatus, number>;
}

export async function readLiveStatus(
  rendered: RenderResult,
  connections: ReadonlyMap<string, MemberConnection>,
  options: { instance: string; now?: string; onProgress?: ProgressSink },
): Promise<Record<string, MemberStatus>> {
  const entries = await Promise.all(
    Object.entries(rendered.clusters).map(async ([cluster, objects]): Promise<[string, MemberStatus]> => {
      const status = await memberStatus(cluster, objects, connections.get(cluster), options);
      const state = status.reachable ? 'finished' : 'failed';
      report(options.onProgress, { cluster, stage: 'health', done: 0, total: 0, state, ...(status.message ? { message: `ClusterNotReady: ${status.message}` } : {}) });
      return [cluster, status];
    }),
  );
  return Object.fromEntries(entries);
}

async function memberStatus(
  cluster: string,
  objects: readonly KubeObject[],
  connection: MemberConnection | undefined,
  options: { instance: string; now?: string; onProgress?: ProgressSink },
): Promise<MemberStatus> {
  if (!connection || 'unavailable' in connection) return unreachable(objects, connection?.unavailable ?? 'no client for this member', 'ClientRetrievalFailed');
  const progress = stageProgress(options.onProgress, cluster, 'health', objects.length);
  const probe = await connection.probe();
  if (!probe.ok) return unreachable(objects, probe.message, 'ClusterNotReady');
  try {
    const lists = new Map<string, Promise<Map<string, KubeObject>>>(); // one list per kind for this read
    const statuses = await Promise.all(
      objects.map(async (object) => {
        const status = await statusOf(connection, lists, object, options);
        progress.step();
        return status;
      }),
    );
    return { reachable: true, objects: statuses, counts: countByStatus(statuses.map((s) => s.health)) };
  } catch (err) {
    return unreachable(objects, (err as Error).message, 'ClusterNotReady');
  }
}

async function statusOf(
  client: ClusterClient,
  lists: Map<string, Promise<Map<string, KubeObject>>>,
  object: KubeObject,
  options: { instance: string; now?: string },
): Promise<ObjectStatus> {
  const identity = identityOf(object);
  const id = resourceId(identity);
  const kind = `${object.apiVersion}/${object.kind}`;
  let list = lists.get(kind);
  if (!list) {
    list = client
      .list(object.apiVersion, object.kind, { labelSelector: managedLabel })
      .then((items) => new Map(items.map((item) => [objectKey(identityOf(item)), item])));
    lists.set(kind, list);
  }
  const live = (await list).get(objectKey(identity)) ?? (await client.get(identity));
  const health = computeHealth(live, options.now ? { now: options.now } : {});
  if (!live) return { id, health };
  if (live.metadata.labels?.[managedLabel] === 'false') return { id, propagation: 'ManagedLabelFalse', health };
  if (live.metadata.annotations?.[instanceAnnotation] !== options.instance) return { id, propagation: 'AlreadyExists', health };
  return { id, propagation: 'ClusterPropagationOK', health };
}

function unreachable(objects: readonly KubeObject[], message: string, propagation: PropagationStatus): MemberStatus {
  const statuses = objects.map((object) => ({
    id: resourceId(identityOf(object)),
    propagation,
    health: { status: 'Unknown' as const, message },
  }));
  return { reachable: false, message, objects: statuses, counts: countByStatus(statuses.map((s) => s.health)) };
}

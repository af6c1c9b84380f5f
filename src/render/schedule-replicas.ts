/**
 * ReplicaSchedulingPreference (spec §4, gitfed decision 8): plans a replica split with KubeFed's planner and
 * writes it into an in-memory copy of the federated object's placement and overrides, exactly where KubeFed's
 * RSP controller would have written it (§4.6). The manifests in Git are never changed.
 */
import type {
  Cluster,
  ClusterOverride,
  FederatedObject,
  Override,
  Placement,
  ReplicaSchedulingPreference,
} from '../model/types.ts';
import { defaultClusterPreferences, planReplicas, schedulingResult } from './plan-replicas.ts';
import { selectClusters } from './select-clusters.ts';

export interface ReplicaSplit {
  /** `namespace/name` of the ReplicaSchedulingPreference. */
  preference: string;
  /** The federated object it drives, `FederatedDeployment/namespace/name`. */
  target: string;
  totalReplicas: number;
  /** Cluster → replicas, every cluster the object is placed on (0 included), sorted by name. */
  clusters: Record<string, number>;
}

export interface ScheduledObject {
  placement: Placement | null | undefined;
  overrides: Override[] | null | undefined;
  /** The clusters the planner was given; empty means the preference changed nothing (§4.5). */
  split: Record<string, number> | null;
}

export interface ScheduleInputs {
  clusters: readonly Cluster[];
  /** Clusters the planner may use: Ready ones in the daemon, every declared one offline. Sorted. */
  availableClusters: readonly string[];
  /** The FederatedNamespace of the object's namespace, for intersectWithClusterSelector. */
  federatedNamespace: FederatedObject | undefined;
}

export function scheduleReplicas(
  federated: FederatedObject,
  preference: ReplicaSchedulingPreference,
  inputs: ScheduleInputs,
): ScheduledObject {
  const candidates = plannerClusters(federated, preference, inputs);
  if (candidates.length === 0) {
    return { placement: federated.placement, overrides: federated.overrides, split: null };
  }
  const planned = planReplicas(
    {
      totalReplicas: preference.totalReplicas,
      rebalance: preference.rebalance,
      clusters: defaultClusterPreferences(preference.clusters),
    },
    candidates,
    { key: `${preference.namespace}/${preference.name}` },
  );
  // Offline there is no live object, so no cluster starts at 0 except through the planner (§4.4).
  const result = schedulingResult(planned);
  for (const name of candidates) result[name] ??= 0;
  const split = sortedRecord(result);
  return {
    placement: { ...(federated.placement ?? {}), clusters: Object.keys(split).map((name) => ({ name })) },
    overrides: writeReplicaOverrides(federated.overrides ?? [], split),
    split,
  };
}

function plannerClusters(
  federated: FederatedObject,
  preference: ReplicaSchedulingPreference,
  inputs: ScheduleInputs,
): string[] {
  if (!preference.intersectWithClusterSelector) return [...inputs.availableClusters];
  const available = new Set(inputs.availableClusters);
  const own = selectClusters(federated.placement, inputs.clusters, { selectorOnly: true }).names;
  const namespace = inputs.federatedNamespace
    ? new Set(selectClusters(inputs.federatedNamespace.placement, inputs.clusters, { selectorOnly: true }).names)
    : null;
  return own.filter((name) => available.has(name) && (namespace === null || namespace.has(name)));
}

const replicasPath = '/spec/replicas';

/** §4.6: update the `/spec/replicas` override in place or append it; drop the first one for unplanned clusters. */
function writeReplicaOverrides(overrides: readonly Override[], split: Record<string, number>): Override[] {
  const written = overrides.map((entry) => ({ ...entry, clusterOverrides: [...(entry.clusterOverrides ?? [])] }));
  for (const entry of written) {
    if (Object.hasOwn(split, entry.clusterName)) continue;
    const index = entry.clusterOverrides.findIndex((op) => op.path === replicasPath);
    if (index >= 0) entry.clusterOverrides.splice(index, 1);
  }
  for (const [clusterName, replicas] of Object.entries(split)) {
    let entry = written.find((candidate) => candidate.clusterName === clusterName);
    if (!entry) {
      entry = { clusterName, clusterOverrides: [] };
      written.push(entry);
    }
    const existing = entry.clusterOverrides.findIndex((op) => op.path === replicasPath);
    const op: ClusterOverride = { path: replicasPath, value: replicas };
    if (existing >= 0) entry.clusterOverrides[existing] = { ...entry.clusterOverrides[existing], ...op };
    else entry.clusterOverrides.push(op);
  }
  return written;
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = record[key] as number;
  return out;
}

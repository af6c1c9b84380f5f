/**
 * KubeFed's ReplicaSchedulingPreference planner (spec §4.3), step for step, so existing RSPs split replicas
 * exactly as KubeFed split them (gitfed decision 8). KubeFed's own unit tests pin it
 * (spec/kubefed-planner-examples.json), quirks included: replicas that fit nowhere are dropped, `min > max`
 * survives unless the weighted loop reaches the cluster, and rebalance=false keeps unbalanced running replicas.
 *
 * Where gitfed differs, it is only on input KubeFed never produces or could not survive:
 * - counts are read as non-negative integers (negative values become 0, fractions are floored), because
 *   negative weights can make KubeFed's loop spin forever; a non-finite min, weight or total reads as 0, a
 *   non-finite maxReplicas as unbounded, and a non-finite current or capacity entry as absent. The loader is
 *   the place to report such values;
 * - a cluster named twice is planned once (KubeFed's list comes from unique KubeFedCluster names);
 * - equal weight and equal hash (a hash collision) fall back to the cluster name, so the result never depends
 *   on input order.
 */
import type { ClusterPreference } from '../model/types.ts';
import { fnv1Hash32 } from './fnv1.ts';

export interface ReplicaPreferences {
  totalReplicas: number;
  /** false (the default) keeps running replicas where they are (§4.3 step 5). */
  rebalance?: boolean;
  /** Cluster name or `*` → preference. Not defaulted here: see {@link defaultClusterPreferences}. */
  clusters: Record<string, ClusterPreference>;
}

export interface PlanInputs {
  /** Running replicas per cluster, only for clusters where the target exists (§4.2). Empty offline. */
  currentReplicas?: Record<string, number>;
  /** Replicas a cluster can schedule, known only when pods are stuck Unschedulable (§4.2). Empty offline. */
  estimatedCapacity?: Record<string, number>;
  /** The RSP's `namespace/name`, appended to each cluster name for the tie-break hash (§4.2). Default ''. */
  key?: string;
}

export interface ReplicaPlan {
  /** Replicas each cluster can run; clusters with no preference at all get 0. Keys sorted. */
  plan: Record<string, number>;
  /** Extra replicas worth asking for on capacity-limited clusters (§4.3 step 7). Keys sorted. */
  overflow: Record<string, number>;
}

interface Candidate {
  name: string;
  hash: number;
  minReplicas: number;
  /** undefined = unbounded. */
  maxReplicas: number | undefined;
  weight: number;
}

/**
 * §4.1: KubeFed's RSP controller (not the planner) reads an empty or absent clusters map as "every cluster,
 * weight 1". Callers apply this before {@link planReplicas}; a non-empty map is returned as is.
 */
export function defaultClusterPreferences(
  clusters: Record<string, ClusterPreference> | null | undefined,
): Record<string, ClusterPreference> {
  if (clusters === null || clusters === undefined || Object.keys(clusters).length === 0) {
    return { '*': { weight: 1 } };
  }
  return clusters;
}

/** Splits `totalReplicas` over `clusterNames` as KubeFed's `Planner.Plan` does (§4.3). */
export function planReplicas(
  preferences: ReplicaPreferences,
  clusterNames: readonly string[],
  inputs: PlanInputs = {},
): ReplicaPlan {
  const key = inputs.key ?? '';
  const current = readCounts(inputs.currentReplicas);
  const capacity = readCounts(inputs.estimatedCapacity);
  const plan = new Map<string, number>();
  const overflow = new Map<string, number>();

  // Step 1: a cluster's own entry wins over "*"; a cluster with neither is placed with 0 replicas.
  const wildcard = ownPreference(preferences.clusters, '*');
  const candidates: Candidate[] = [];
  for (const name of new Set(clusterNames)) {
    const preference = ownPreference(preferences.clusters, name) ?? wildcard;
    if (preference === undefined) {
      plan.set(name, 0);
      continue;
    }
    candidates.push({
      name,
      hash: fnv1Hash32(key, fnv1Hash32(name)),
      minReplicas: readCount(preference.minReplicas),
      maxReplicas: readLimit(preference.maxReplicas),
      weight: readCount(preference.weight),
    });
  }
  // Step 2: the hash, not the name, breaks weight ties, so one replica does not always land on cluster "a".
  candidates.sort(byWeightThenHash);

  let remaining = readCount(preferences.totalReplicas);

  // Step 4: minimums first, in priority order. maxReplicas is deliberately not applied here (KubeFed does not).
  for (const candidate of candidates) {
    const granted = Math.min(candidate.minReplicas, remaining, capacity.get(candidate.name) ?? Infinity);
    plan.set(candidate.name, granted);
    remaining -= granted;
  }

  // Step 5: with rebalance=false, running replicas are reserved before the weighted split, so they stay put.
  const preallocated = new Map<string, number>();
  if (preferences.rebalance !== true) {
    for (const candidate of candidates) {
      const planned = plan.get(candidate.name) ?? 0;
      const running = current.get(candidate.name);
      if (running === undefined || running <= planned) continue;
      const target = Math.min(running, candidate.maxReplicas ?? Infinity, capacity.get(candidate.name) ?? Infinity);
      const extra = Math.max(0, Math.min(target - planned, remaining));
      remaining -= extra;
      preallocated.set(candidate.name, extra);
      plan.set(candidate.name, planned + extra);
    }
  }

  // Step 6: weighted rounds until nothing is left or a round changes nothing. A round's shares are computed
  // from the replicas left at its start; clusters that hit max or capacity sit out the later rounds.
  let active = candidates;
  let changed = true;
  while (changed && remaining > 0) {
    changed = false;
    const weightSum = active.reduce((sum, candidate) => sum + candidate.weight, 0);
    if (weightSum === 0) break;
    const toDistribute = remaining;
    const stillOpen: Candidate[] = [];
    for (const candidate of active) {
      const start = plan.get(candidate.name) ?? 0;
      let extra = Math.min(ceilShare(toDistribute, candidate.weight, weightSum), remaining);

      // Reserved running replicas count toward this round's share instead of adding to it.
      const reserved = preallocated.get(candidate.name) ?? 0;
      const used = Math.min(extra, reserved);
      if (reserved > 0) preallocated.set(candidate.name, reserved - used);
      extra -= used;
      if (used > 0) changed = true;

      let total = start + extra;
      let full = false;
      if (candidate.maxReplicas !== undefined && total > candidate.maxReplicas) {
        total = candidate.maxReplicas;
        full = true;
      }
      const limit = capacity.get(candidate.name);
      if (limit !== undefined && total > limit) {
        overflow.set(candidate.name, total - limit); // overwritten, not added, as KubeFed does
        total = limit;
        full = true;
      }
      if (!full) stillOpen.push(candidate);

      // total < start (min above max) hands replicas back to `remaining`.
      remaining -= total - start;
      plan.set(candidate.name, total);
      if (total > start) changed = true;
    }
    active = stillOpen;
  }

  // Step 7: without rebalancing, only replicas that could not be placed anywhere count as overflow.
  if (preferences.rebalance !== true) {
    for (const [name, extra] of [...overflow]) {
      const trimmed = Math.min(extra, remaining);
      if (trimmed > 0) overflow.set(name, trimmed);
      else overflow.delete(name);
    }
  }
  return { plan: sortedRecord(plan), overflow: sortedRecord(overflow) };
}

/**
 * §4.4: the replica count each cluster gets. Clusters where the target already exists start at 0 (so they are
 * scaled down when the plan leaves them out), then the plan, then overflow on top in the hope it schedules.
 */
export function schedulingResult(planned: ReplicaPlan, existingIn: readonly string[] = []): Record<string, number> {
  const result = new Map<string, number>();
  for (const name of existingIn) result.set(name, 0);
  for (const [name, replicas] of Object.entries(planned.plan)) result.set(name, replicas);
  for (const [name, extra] of Object.entries(planned.overflow)) result.set(name, (result.get(name) ?? 0) + extra);
  return sortedRecord(result);
}

/** Go's sort.Sort(byWeight): weight descending, then hash ascending (§4.3 step 2). */
function byWeightThenHash(a: Candidate, b: Candidate): number {
  if (a.weight !== b.weight) return a.weight > b.weight ? -1 : 1;
  if (a.hash !== b.hash) return a.hash < b.hash ? -1 : 1;
  return compareText(a.name, b.name);
}

/**
 * ceil(amount × weight / weightSum) in integers, as Go's `(d*w + sum - 1) / sum`. Doubles are exact below 2^53;
 * above that BigInt keeps the division exact (Go's int64 would overflow there anyway).
 */
function ceilShare(amount: number, weight: number, weightSum: number): number {
  const numerator = amount * weight + weightSum - 1;
  if (Number.isSafeInteger(numerator) && Number.isSafeInteger(weightSum)) {
    return (numerator - (numerator % weightSum)) / weightSum;
  }
  const share = (BigInt(amount) * BigInt(weight) + BigInt(weightSum) - 1n) / BigInt(weightSum);
  return share > BigInt(amount) ? amount : Number(share);
}

/** Own properties only, so a cluster called `constructor` or `__proto__` is not read off Object.prototype. */
function ownPreference(
  clusters: Record<string, ClusterPreference>,
  name: string,
): ClusterPreference | undefined {
  return Object.hasOwn(clusters, name) ? clusters[name] : undefined;
}

function readCounts(values: Record<string, number> | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [name, value] of Object.entries(values ?? {})) {
    if (typeof value === 'number' && Number.isFinite(value)) counts.set(name, readCount(value));
  }
  return counts;
}

function readCount(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function readLimit(value: number | undefined): number | undefined {
  if (typeof value !== 'number' || Number.isNaN(value) || value === Infinity) return undefined;
  return readCount(value);
}

function sortedRecord(values: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...values].sort(([a], [b]) => compareText(a, b)));
}

/** UTF-16 code-unit order, independent of locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

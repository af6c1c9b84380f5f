/**
 * Member cluster readiness: KubeFed's health threshold machine (spec §5.4, gitfed decision 13), pure.
 * The daemon probes each member's /healthz every {@link probeIntervalMs} with a {@link probeTimeoutMs}
 * timeout and feeds each outcome here; RSP (decision 8) and apply use `ready`.
 *
 * Rules:
 * 1. A probe is a success when the member answered "ok" (`ok` and `reachable`); any other answer is a
 *    failure, `ClusterNotReachable` when the request itself failed, `ClusterNotReady` otherwise.
 * 2. consecutiveSuccesses / consecutiveFailures count the current run of equal probe outcomes; a probe of the
 *    other outcome resets the run to 1 and the other counter to 0.
 * 3. Ready → not Ready only after `failureThreshold` (3) failures in a row; not Ready → Ready after
 *    `successThreshold` (1) successes in a row. Until the run reaches the threshold the published result
 *    (ready, reason, message, lastTransitionTime) is kept and only lastProbeTime and the counters move.
 * 4. A probe that agrees with the published readiness refreshes reason and message (a not-ready member can go
 *    from NotReachable to NotReady) but keeps lastTransitionTime; it changes only when `ready` flips.
 * 5. lastProbeTime is the time of the latest probe, whether or not it changed the result.
 * 6. Start state: not Ready (`ClusterNotReady`, "not probed yet"), no probes counted. Nothing is applied to a
 *    member gitfed has never heard from; with successThreshold 1 the first good probe makes it Ready, so a
 *    healthy member costs one probe interval at start-up, while starting Ready would need three failed probes
 *    (30 s) before an unreachable member is skipped.
 * 7. Thresholds below 1 count as 1.
 *
 * This follows the intent of KubeFed's thresholdAdjustedClusterStatus rather than its bookkeeping: KubeFed
 * counts runs of equal published results, so a long-Ready member can drop after a single failure; here the
 * runs are of probe outcomes, which is what the thresholds describe.
 */

export const probeIntervalMs = 10_000;
export const probeTimeoutMs = 3_000;

export type ClusterReadinessReason = 'ClusterReady' | 'ClusterNotReady' | 'ClusterNotReachable';

export interface ClusterReadiness {
  ready: boolean;
  reason: ClusterReadinessReason;
  message: string;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** RFC 3339 time of the latest probe (of the start state before the first probe). */
  lastProbeTime: string;
  /** RFC 3339 time `ready` last flipped (the start state's time before the first flip). */
  lastTransitionTime: string;
}

export interface ClusterProbe {
  /** /healthz answered "ok". */
  ok: boolean;
  /** The request got an answer at all. */
  reachable: boolean;
  /** What the prober saw, e.g. the request error; a standard sentence is used when absent. */
  message?: string;
}

export interface ReadinessThresholds {
  failureThreshold: number;
  successThreshold: number;
}

export const defaultReadinessThresholds: Readonly<ReadinessThresholds> = { failureThreshold: 3, successThreshold: 1 };

/** The state before any probe (rule 6). */
export function initialReadiness(now: string): ClusterReadiness {
  return {
    ready: false,
    reason: 'ClusterNotReady',
    message: 'cluster has not been probed yet',
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    lastProbeTime: now,
    lastTransitionTime: now,
  };
}

/** The state after one more probe taken at `now` (rules 1–5, 7). */
export function nextReadiness(
  previous: ClusterReadiness,
  probe: ClusterProbe,
  now: string,
  thresholds: ReadinessThresholds = defaultReadinessThresholds,
): ClusterReadiness {
  const success = probe.ok && probe.reachable;
  const consecutiveSuccesses = success ? previous.consecutiveSuccesses + 1 : 0;
  const consecutiveFailures = success ? 0 : previous.consecutiveFailures + 1;
  const counted = { ...previous, consecutiveSuccesses, consecutiveFailures, lastProbeTime: now };

  const observed = describeProbe(probe);
  if (success === previous.ready) return { ...counted, ...observed };

  const run = success ? consecutiveSuccesses : consecutiveFailures;
  const threshold = Math.max(1, success ? thresholds.successThreshold : thresholds.failureThreshold);
  if (run < threshold) return counted;
  return { ...counted, ...observed, ready: success, lastTransitionTime: now };
}

function describeProbe(probe: ClusterProbe): Pick<ClusterReadiness, 'reason' | 'message'> {
  if (!probe.reachable) {
    return {
      reason: 'ClusterNotReachable',
      message: probe.message ? `cluster is not reachable: ${probe.message}` : 'cluster is not reachable',
    };
  }
  if (!probe.ok) return { reason: 'ClusterNotReady', message: probe.message ?? '/healthz responded without ok' };
  return { reason: 'ClusterReady', message: probe.message ?? '/healthz responded with ok' };
}

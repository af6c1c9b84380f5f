/**
 * The leader's view of every member for one revision, from the status each replica published for the members it
 * wrote to. Pure.
 *
 * Rules:
 * 1. Only entries for `revision` count (a replica still on an older or already on a newer one is not mixed in).
 * 2. A member's entry comes from the replica that claims it now, when that replica published one; otherwise
 *    from any replica that did (a previous owner that applied this revision before a handoff), the smallest
 *    replica id first, so the choice never depends on listing order.
 * 3. `missing` lists the wanted members no replica published an entry for yet, sorted.
 * 4. `problems` are the steps that did not finish in the last pass of every other live replica (whatever
 *    revision it was on: a replica that cannot fetch is the news), each message naming its replica, replicas in
 *    id order. The leader adds its own.
 */
import type { ApplyReport, MemberApplyResult } from '../apply/apply-all.ts';
import type { MemberStatus } from '../apply/live-status.ts';
import type { ReportProblem } from '../report/build-report.ts';

/** What one replica publishes after a pass: its members' results for one revision. */
export interface PublishedStatus {
  replica: string;
  revision: string | null;
  members: Record<string, MemberEntry>;
  /** Steps of the replica's last pass that did not finish (absent when none). */
  problems?: ReportProblem[];
}

export interface MemberEntry {
  applied: MemberApplyResult;
  live?: MemberStatus;
  driftCorrected: number;
}

export interface MergedStatus {
  applied: ApplyReport;
  live: Record<string, MemberStatus>;
  driftCorrected: Record<string, number>;
  missing: string[];
  problems: ReportProblem[];
}

export function mergeStatuses(input: {
  revision: string | null;
  wanted: readonly string[];
  statuses: readonly PublishedStatus[];
  /** member → the replica claiming it now. */
  claimedBy: ReadonlyMap<string, string>;
  /** The merging replica, and the replicas holding an unexpired Lease (rule 4). */
  self: string;
  live: readonly string[];
}): MergedStatus {
  const current = input.statuses.filter((status) => status.revision === input.revision).sort((a, b) => a.replica.localeCompare(b.replica));
  const merged: MergedStatus = { applied: { revision: input.revision, clusters: {} }, live: {}, driftCorrected: {}, missing: [], problems: peerProblems(input) };
  for (const member of [...new Set(input.wanted)].sort()) {
    const holder = input.claimedBy.get(member);
    const chosen = current.find((status) => status.replica === holder && status.members[member]) ?? current.find((status) => status.members[member]);
    const entry = chosen?.members[member];
    if (!entry) {
      merged.missing.push(member);
      continue;
    }
    merged.applied.clusters[member] = entry.applied;
    if (entry.live) merged.live[member] = entry.live;
    merged.driftCorrected[member] = entry.driftCorrected;
  }
  return merged;
}

function peerProblems(input: { statuses: readonly PublishedStatus[]; self: string; live: readonly string[] }): ReportProblem[] {
  const live = new Set(input.live);
  return [...input.statuses]
    .filter((status) => status.replica !== input.self && live.has(status.replica))
    .sort((a, b) => a.replica.localeCompare(b.replica))
    .flatMap((status) => (status.problems ?? []).map((problem) => ({ ...problem, message: `replica ${status.replica}: ${problem.message}` })));
}

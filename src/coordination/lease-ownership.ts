/**
 * Lease-based membership and member ownership, pure: what a replica may write, decided from the Leases it
 * listed, the time it saw each of them change, and its own clock. The effect layer (daemon/coordinator.ts) lists
 * and writes the Leases and feeds the results here.
 *
 * Rules:
 * 1. Expiry is judged on the observer's clock, as client-go's leader election does: a Lease is expired when its
 *    holder is empty, or when `leaseDurationSeconds` passed since this replica last saw its record change
 *    (holder, renewTime or duration). Clocks of different replicas are never compared. A Lease first seen counts
 *    as just renewed, so a replica that starts next to a dead Lease waits one duration before taking over.
 * 2. Live replicas are the holders of the instance's unexpired replica Leases, plus the replica itself.
 * 3. A replica desires the members rendezvous hashing (assign-members.ts) gives it over the live replicas.
 * 4. Handoff without overlap: a replica claims a desired member only when no other live replica claims it (its
 *    Lease lists the members it writes to). The previous owner drops a member from its claims as soon as it no
 *    longer desires it, and stops writing to it before that Lease write is sent; so the new owner starts only
 *    after the previous owner acknowledged the move, or after its Lease expired.
 * 5. Writable members: a member leaves the writable set as soon as it leaves the claims; it enters only after a
 *    Lease write listing it succeeded. Nothing is writable once the last successful renew is older than the renew
 *    deadline (shorter than the duration, so a replica stops before any other can see its Lease expire).
 * 6. The leader Lease is client-go's election: create it when absent; renew it when held; take it over when it is
 *    released or expired (transitions + 1, acquireTime now); otherwise follow its holder.
 * 7. Times in Lease records are MicroTime: RFC 3339 with exactly six fractional digits (the API server refuses
 *    the three that Date#toISOString gives).
 * 8. Leftovers of replicas gone for good are the leader's to delete, judged on its own clock like expiry: a
 *    replica Lease released or expired for `collectAfterMs` longer than its duration, and a status whose replica
 *    has had no Lease at all for `collectAfterMs` (a replica that released its Lease on SIGTERM leaves its status
 *    for the report of the revision it applied). A replica that comes back simply writes both again.
 */
import { assignMembers } from './assign-members.ts';

export type LeaseRole = 'replica' | 'leader';

/** The fields of a coordination.k8s.io/v1 Lease that gitfed reads and writes. */
export interface LeaseRecord {
  name: string;
  role: LeaseRole;
  /** Empty when released. */
  holder: string;
  durationSeconds: number;
  /** MicroTime. */
  renewTime?: string;
  acquireTime?: string;
  transitions: number;
  /** Replica Leases: the members the holder writes to (its acknowledgement of the assignment). */
  claims: string[];
  /** Replica Leases: a digest of the member status the holder last published, so the leader knows to re-read. */
  statusDigest?: string;
  /** Replica Leases: the revision the holder last applied, so a push one replica heard of reaches the others. */
  revision?: string;
  /** Set when read from the API server; a replace is conditional on it. */
  resourceVersion?: string;
}

/** A Lease as this replica saw it: the record and the local time (ms) it last saw the record change. */
export interface ObservedLease {
  record: LeaseRecord;
  observedAt: number;
}

export interface LeaseTimings {
  /** leaseDurationSeconds written into this replica's Leases. */
  durationSeconds: number;
  /** Stop writing when the last successful renew is older than this (ms); below the duration. */
  renewDeadlineMs: number;
}

/** Rule 1: the listed Leases with the local time each last changed (unchanged records keep their time). */
export function observeLeases(previous: ReadonlyMap<string, ObservedLease>, listed: readonly LeaseRecord[], now: number): Map<string, ObservedLease> {
  const next = new Map<string, ObservedLease>();
  for (const record of listed) {
    const before = previous.get(record.name);
    const same = before !== undefined && changeKey(before.record) === changeKey(record);
    next.set(record.name, { record, observedAt: same ? before.observedAt : now });
  }
  return next;
}

export function isExpired(lease: ObservedLease, now: number): boolean {
  return lease.record.holder === '' || now >= lease.observedAt + lease.record.durationSeconds * 1000;
}

/** Rule 2: holders of unexpired replica Leases, sorted. */
export function liveReplicas(observed: ReadonlyMap<string, ObservedLease>, now: number): string[] {
  const live = new Set<string>();
  for (const lease of observed.values()) if (lease.record.role === 'replica' && !isExpired(lease, now)) live.add(lease.record.holder);
  return [...live].sort();
}

export interface OwnershipDecision {
  /** The replicas the assignment was computed over (this one included). */
  live: string[];
  /** Members rendezvous hashing gives this replica. */
  desired: string[];
  /** Desired members no other live replica claims: what this replica's Lease lists next. */
  claims: string[];
  /** Desired members another live replica still claims (the handoff waits for it). */
  waiting: { member: string; holder: string }[];
}

/** Rules 2–4. */
export function decideOwnership(input: { self: string; members: readonly string[]; observed: ReadonlyMap<string, ObservedLease>; now: number }): OwnershipDecision {
  const live = [...new Set([...liveReplicas(input.observed, input.now), input.self])].sort();
  const desired = assignMembers(input.members, live).get(input.self) ?? [];
  const claimedBy = new Map<string, string>();
  for (const lease of [...input.observed.values()].sort((a, b) => a.record.name.localeCompare(b.record.name))) {
    const { record } = lease;
    if (record.role !== 'replica' || record.holder === input.self || isExpired(lease, input.now)) continue;
    for (const member of record.claims) if (!claimedBy.has(member)) claimedBy.set(member, record.holder);
  }
  const waiting = desired.filter((member) => claimedBy.has(member)).map((member) => ({ member, holder: claimedBy.get(member)! }));
  return { live, desired, claims: desired.filter((member) => !claimedBy.has(member)), waiting };
}

/** Rule 5, before the Lease write: members no longer claimed stop being writable at once. */
export function writableBeforeRenew(writable: ReadonlySet<string>, claims: readonly string[]): Set<string> {
  const claimed = new Set(claims);
  return new Set([...writable].filter((member) => claimed.has(member)));
}

/** Rule 5, after a successful Lease write that listed `claims`. */
export function writableAfterRenew(claims: readonly string[]): Set<string> {
  return new Set(claims);
}

/** Rule 5: the last successful renew (local ms) is recent enough to act on. */
export function isFresh(lastRenewAt: number | undefined, now: number, timings: LeaseTimings): boolean {
  return lastRenewAt !== undefined && now - lastRenewAt < timings.renewDeadlineMs;
}

/** The record this replica writes for its own Lease (a new one, or the next version of the one it holds). */
export function replicaLease(
  previous: LeaseRecord | undefined,
  input: { name: string; self: string; claims: readonly string[]; statusDigest?: string; revision?: string; now: number; durationSeconds: number },
): LeaseRecord {
  const held = previous !== undefined && previous.holder === input.self;
  const time = microTime(input.now);
  return {
    name: input.name,
    role: 'replica',
    holder: input.self,
    durationSeconds: input.durationSeconds,
    renewTime: time,
    acquireTime: held && previous.acquireTime ? previous.acquireTime : time,
    transitions: previous === undefined ? 0 : held ? previous.transitions : previous.transitions + 1,
    claims: [...input.claims].sort(),
    ...(input.statusDigest ? { statusDigest: input.statusDigest } : {}),
    ...(input.revision ? { revision: input.revision } : {}),
    ...(previous?.resourceVersion ? { resourceVersion: previous.resourceVersion } : {}),
  };
}

export type LeaderStep =
  | { kind: 'create' | 'renew' | 'takeover'; record: LeaseRecord }
  | { kind: 'follow'; holder: string };

/** Rule 6. */
export function nextLeaderStep(current: ObservedLease | undefined, input: { name: string; self: string; now: number; durationSeconds: number }): LeaderStep {
  const time = microTime(input.now);
  const fresh = (transitions: number, acquireTime: string): LeaseRecord => ({
    name: input.name,
    role: 'leader',
    holder: input.self,
    durationSeconds: input.durationSeconds,
    renewTime: time,
    acquireTime,
    transitions,
    claims: [],
  });
  if (!current) return { kind: 'create', record: fresh(0, time) };
  const { record } = current;
  const withVersion = (next: LeaseRecord): LeaseRecord => (record.resourceVersion ? { ...next, resourceVersion: record.resourceVersion } : next);
  if (record.holder === input.self) return { kind: 'renew', record: withVersion(fresh(record.transitions, record.acquireTime ?? time)) };
  if (isExpired(current, input.now)) return { kind: 'takeover', record: withVersion(fresh(record.transitions + 1, time)) };
  return { kind: 'follow', holder: record.holder };
}

/** The leader Lease after a release (client-go's ReleaseOnCancel): no holder, a one-second duration. */
export function releasedLeaderLease(record: LeaseRecord, now: number): LeaseRecord {
  return { ...record, holder: '', durationSeconds: 1, renewTime: microTime(now) };
}

export interface Leftovers {
  /** Names of replica Leases to delete. */
  leases: string[];
  /** Replicas whose status to delete. */
  statuses: string[];
  /** Replica → local ms since which it has a status but no Lease (carried to the next call). */
  orphanedSince: Map<string, number>;
}

/** Rule 8. */
export function findLeftovers(input: {
  self: string;
  observed: ReadonlyMap<string, ObservedLease>;
  /** Replicas with a status stored. */
  publishers: readonly string[];
  orphanedSince: ReadonlyMap<string, number>;
  now: number;
  collectAfterMs: number;
}): Leftovers {
  const replicaLeases = [...input.observed.values()].filter((lease) => lease.record.role === 'replica');
  const leases = replicaLeases
    .filter(({ record, observedAt }) => {
      if (record.holder === input.self) return false;
      const goneAt = record.holder === '' ? observedAt : observedAt + record.durationSeconds * 1000;
      return input.now >= goneAt + input.collectAfterMs;
    })
    .map((lease) => lease.record.name)
    .sort();
  const holders = new Set(replicaLeases.filter((lease) => !leases.includes(lease.record.name)).map((lease) => lease.record.holder));
  const orphanedSince = new Map<string, number>();
  for (const replica of input.publishers) {
    if (replica === input.self || holders.has(replica)) continue;
    orphanedSince.set(replica, input.orphanedSince.get(replica) ?? input.now);
  }
  const statuses = [...orphanedSince].filter(([, since]) => input.now >= since + input.collectAfterMs).map(([replica]) => replica).sort();
  for (const replica of statuses) orphanedSince.delete(replica);
  return { leases, statuses, orphanedSince };
}

/** Rule 7: local ms → MicroTime (`2026-12-03T12:00:00.123000Z`). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** MicroTime (or any RFC 3339 time) → ms; undefined when it is not one. */
export function parseMicroTime(text: string): number | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}.${(match[2] ?? '').padEnd(3, '0').slice(0, 3)}${match[3]}`);
  return Number.isNaN(ms) ? undefined : ms;
}

const replicaIdPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function replicaLeaseName(instance: string, replica: string): string {
  return `gitfed-${instance}-${replica}`;
}

export function leaderLeaseName(instance: string): string {
  return `gitfed-${instance}-leader`;
}

/** Why `replica` cannot name a Lease of `instance`, or undefined when it can. */
export function replicaIdProblem(instance: string, replica: string): string | undefined {
  if (!replicaIdPattern.test(replica)) return `replica id "${replica}" must be lowercase letters, digits and '-' (an RFC 1123 label)`;
  if (replica === 'leader') return 'replica id "leader" is taken by the leader Lease';
  if (replica.length > 63) return `replica id "${replica}" is longer than 63 characters (it labels the replica's status)`;
  if (replicaLeaseName(instance, replica).length > 253) return `replica id "${replica}" makes a Lease name longer than 253 characters`;
  return undefined;
}

function changeKey(record: LeaseRecord): string {
  return `${record.holder}\u0000${record.renewTime ?? ''}\u0000${record.durationSeconds}`;
}

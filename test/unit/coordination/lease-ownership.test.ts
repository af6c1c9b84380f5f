import { describe, expect, it } from 'vitest';
import {
  decideOwnership,
  findLeftovers,
  isExpired,
  isFresh,
  liveReplicas,
  microTime,
  nextLeaderStep,
  observeLeases,
  parseMicroTime,
  releasedLeaderLease,
  replicaIdProblem,
  replicaLease,
  writableAfterRenew,
  writableBeforeRenew,
  type LeaseRecord,
  type ObservedLease,
} from '../../../src/coordination/lease-ownership.ts';
import { ownerOf } from '../../../src/coordination/assign-members.ts';

const t0 = Date.UTC(2026, 11, 3, 12, 0, 0, 123);
const timings = { durationSeconds: 15, renewDeadlineMs: 10_000 };
const lease = (holder: string, claims: string[] = [], renewAt = t0, extra: Partial<LeaseRecord> = {}): LeaseRecord => ({
  name: `gitfed-x-${holder}`,
  role: 'replica',
  holder,
  durationSeconds: 15,
  renewTime: microTime(renewAt),
  transitions: 0,
  claims,
  ...extra,
});
const seen = (records: LeaseRecord[], at: number, previous = new Map<string, ObservedLease>()) => observeLeases(previous, records, at);
const members = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'];

describe('Lease expiry on the observer\'s clock', () => {
  it('keeps the time a record was first seen while it does not change, and moves it when it does', () => {
    const first = seen([lease('a')], t0);
    const same = seen([lease('a')], t0 + 9_000, first);
    expect(same.get('gitfed-x-a')!.observedAt).toBe(t0);
    const renewed = seen([lease('a', [], t0 + 5_000)], t0 + 9_000, same);
    expect(renewed.get('gitfed-x-a')!.observedAt).toBe(t0 + 9_000);
  });

  it('expires a Lease a full duration after it was last seen to change, whatever its renewTime says', () => {
    const observed = seen([lease('a', [], t0 - 3_600_000)], t0); // another clock, an hour behind
    const a = observed.get('gitfed-x-a')!;
    expect(isExpired(a, t0 + 14_999)).toBe(false);
    expect(isExpired(a, t0 + 15_000)).toBe(true);
    expect(liveReplicas(observed, t0 + 14_999)).toEqual(['a']);
    expect(liveReplicas(observed, t0 + 15_000)).toEqual([]);
  });

  it('counts a released Lease (no holder) as expired at once', () => {
    const observed = seen([lease('', [])], t0);
    expect(isExpired(observed.get('gitfed-x-')!, t0)).toBe(true);
  });
});

describe('member ownership and handoff', () => {
  it('claims the members rendezvous hashing gives it when nobody else claims them', () => {
    const decision = decideOwnership({ self: 'a', members, observed: seen([lease('b', [])], t0), now: t0 });
    expect(decision.live).toEqual(['a', 'b']);
    expect(decision.desired.length).toBeGreaterThan(0);
    expect(decision.desired).toEqual(members.filter((m) => ownerOf(m, ['a', 'b']) === 'a'));
    expect(decision.claims).toEqual(decision.desired);
  });

  it('waits for a member the previous owner still claims, and takes it once the claim is dropped', () => {
    // b held everything alone; a joins.
    const bAll = lease('b', members);
    const joining = decideOwnership({ self: 'a', members, observed: seen([bAll], t0), now: t0 });
    expect(joining.desired.length).toBeGreaterThan(0);
    expect(joining.claims).toEqual([]);
    expect(joining.waiting.map((w) => w.holder)).toEqual(joining.desired.map(() => 'b'));

    // b sees a (a's Lease, no claims yet), drops a's share from its claims.
    const bView = decideOwnership({ self: 'b', members, observed: seen([lease('a', [])], t0 + 1_000), now: t0 + 1_000 });
    expect(bView.claims).toEqual(members.filter((m) => !joining.desired.includes(m)));
    const acknowledged = decideOwnership({ self: 'a', members, observed: seen([lease('b', bView.claims, t0 + 1_000)], t0 + 2_000), now: t0 + 2_000 });
    expect(acknowledged.claims).toEqual(joining.desired);
    expect(acknowledged.waiting).toEqual([]);
  });

  it('takes over the members of a replica whose Lease expired, not before', () => {
    const bAll = lease('b', members);
    const observed = seen([bAll], t0);
    const before = decideOwnership({ self: 'a', members, observed, now: t0 + 14_000 });
    expect(before.desired).toEqual(members.filter((m) => ownerOf(m, ['a', 'b']) === 'a'));
    expect(before.claims).toEqual([]);
    const later = decideOwnership({ self: 'a', members, observed, now: t0 + 15_000 });
    expect(later.live).toEqual(['a']);
    expect(later.claims).toEqual(members);
  });

  it('never lets two replicas claim one member from the same listing', () => {
    const records = [lease('a', members.slice(0, 4)), lease('b', members.slice(4)), lease('c', [])];
    const observed = seen(records, t0);
    const claims = ['a', 'b', 'c'].map((self) => decideOwnership({ self, members, observed, now: t0 }).claims);
    const all = claims.flat();
    expect(all.length).toBeGreaterThan(0);
    expect(new Set(all).size).toBe(all.length);
  });

  it('stops writing to a dropped member before the Lease write, and starts on a new one only after it', () => {
    const before = writableBeforeRenew(new Set(['m1', 'm2']), ['m2', 'm3']);
    expect([...before]).toEqual(['m2']);
    expect([...writableAfterRenew(['m2', 'm3'])]).toEqual(['m2', 'm3']);
  });

  it('acts on its Lease only within the renew deadline', () => {
    expect(isFresh(undefined, t0, timings)).toBe(false);
    expect(isFresh(t0, t0 + 9_999, timings)).toBe(true);
    expect(isFresh(t0, t0 + 10_000, timings)).toBe(false);
  });

  it('keeps acquireTime and transitions while it holds its Lease, and counts a new holder', () => {
    const first = replicaLease(undefined, { name: 'gitfed-x-a', self: 'a', claims: ['m2', 'm1'], now: t0, durationSeconds: 15 });
    expect(first).toMatchObject({ holder: 'a', transitions: 0, claims: ['m1', 'm2'], acquireTime: microTime(t0), renewTime: microTime(t0) });
    const renewed = replicaLease({ ...first, resourceVersion: '7' }, { name: 'gitfed-x-a', self: 'a', claims: [], now: t0 + 5_000, durationSeconds: 15 });
    expect(renewed).toMatchObject({ acquireTime: microTime(t0), renewTime: microTime(t0 + 5_000), transitions: 0, resourceVersion: '7' });
    const taken = replicaLease(first, { name: 'gitfed-x-a', self: 'b', claims: [], now: t0 + 5_000, durationSeconds: 15 });
    expect(taken).toMatchObject({ holder: 'b', transitions: 1, acquireTime: microTime(t0 + 5_000) });
  });
});

describe('leader election', () => {
  const input = { name: 'gitfed-x-leader', self: 'a', now: t0, durationSeconds: 15 };
  const leader = (holder: string): LeaseRecord => ({ name: 'gitfed-x-leader', role: 'leader', holder, durationSeconds: 15, renewTime: microTime(t0), acquireTime: microTime(t0 - 60_000), transitions: 2, claims: [], resourceVersion: '9' });

  it('creates the leader Lease when there is none', () => {
    expect(nextLeaderStep(undefined, input)).toMatchObject({ kind: 'create', record: { holder: 'a', transitions: 0 } });
  });

  it('renews its own leadership, keeping acquireTime and transitions', () => {
    const observed = seen([leader('a')], t0).get('gitfed-x-leader');
    expect(nextLeaderStep(observed, { ...input, now: t0 + 5_000 })).toMatchObject({
      kind: 'renew',
      record: { holder: 'a', transitions: 2, acquireTime: microTime(t0 - 60_000), renewTime: microTime(t0 + 5_000), resourceVersion: '9' },
    });
  });

  it('follows a live leader, and takes over an expired or released one', () => {
    const observed = seen([leader('b')], t0).get('gitfed-x-leader');
    expect(nextLeaderStep(observed, { ...input, now: t0 + 14_999 })).toEqual({ kind: 'follow', holder: 'b' });
    expect(nextLeaderStep(observed, { ...input, now: t0 + 15_000 })).toMatchObject({ kind: 'takeover', record: { holder: 'a', transitions: 3, acquireTime: microTime(t0 + 15_000) } });
    const released = seen([releasedLeaderLease(leader('b'), t0)], t0).get('gitfed-x-leader');
    expect(nextLeaderStep(released, input)).toMatchObject({ kind: 'takeover', record: { holder: 'a' } });
  });
});

describe('MicroTime and names', () => {
  it('writes six fractional digits and reads them back', () => {
    expect(microTime(t0)).toBe('2026-12-03T12:00:00.123000Z');
    expect(parseMicroTime('2026-12-03T12:00:00.123456Z')).toBe(t0);
    expect(parseMicroTime('2026-12-03T12:00:00Z')).toBe(t0 - 123);
    expect(parseMicroTime('yesterday')).toBeUndefined();
  });

  it('refuses replica ids that cannot name a Lease', () => {
    expect(replicaIdProblem('gitfed', 'gitfed-0')).toBeUndefined();
    expect(replicaIdProblem('gitfed', 'Pod_1')).toMatch(/RFC 1123/);
    expect(replicaIdProblem('gitfed', 'leader')).toMatch(/leader Lease/);
  });
});

describe('leftovers of replicas gone for good (rule 8)', () => {
  const collectAfterMs = 60_000;
  const base = { self: 'a', collectAfterMs, orphanedSince: new Map<string, number>() };

  it('deletes a replica Lease only once it has been expired for collectAfter, never the collector\'s own', () => {
    const observed = seen([lease('a'), lease('b'), lease('c', [], t0, { holder: '' , name: 'gitfed-x-c' })], t0);
    const justExpired = findLeftovers({ ...base, observed, publishers: [], now: t0 + 15_000 + collectAfterMs - 1 });
    expect(justExpired.leases).toEqual(['gitfed-x-c']);
    const later = findLeftovers({ ...base, observed, publishers: [], now: t0 + 15_000 + collectAfterMs });
    expect(later.leases).toEqual(['gitfed-x-b', 'gitfed-x-c']);
    expect(findLeftovers({ ...base, observed, publishers: [], now: t0 + 10 * collectAfterMs }).leases).not.toContain('gitfed-x-a');
  });

  it('a Lease renewed meanwhile is not a leftover: expiry counts from the last change this replica saw', () => {
    const first = seen([lease('b')], t0);
    const renewed = seen([lease('b', [], t0 + 50_000)], t0 + 50_000, first);
    expect(findLeftovers({ ...base, observed: renewed, publishers: [], now: t0 + 15_000 + collectAfterMs }).leases).toEqual([]);
  });

  it('deletes a status whose replica has had no Lease for collectAfter, carrying the time it was first seen so', () => {
    const observed = seen([lease('a'), lease('b')], t0);
    const first = findLeftovers({ ...base, observed, publishers: ['a', 'b', 'gone'], now: t0 });
    expect(first.statuses).toEqual([]);
    expect([...first.orphanedSince]).toEqual([['gone', t0]]);
    const soon = findLeftovers({ ...base, observed, publishers: ['a', 'b', 'gone'], orphanedSince: first.orphanedSince, now: t0 + collectAfterMs - 1 });
    expect(soon.statuses).toEqual([]);
    const due = findLeftovers({ ...base, observed, publishers: ['a', 'b', 'gone'], orphanedSince: soon.orphanedSince, now: t0 + collectAfterMs });
    expect(due.statuses).toEqual(['gone']);
    expect(due.orphanedSince.has('gone')).toBe(false);
  });

  it('a status whose replica is back (a Lease again) stops counting as orphaned', () => {
    const none = seen([lease('a')], t0);
    const orphaned = findLeftovers({ ...base, observed: none, publishers: ['b'], now: t0 });
    expect(orphaned.orphanedSince.has('b')).toBe(true);
    const back = findLeftovers({ ...base, observed: seen([lease('a'), lease('b')], t0 + 1_000), publishers: ['b'], orphanedSince: orphaned.orphanedSince, now: t0 + collectAfterMs });
    expect(back.statuses).toEqual([]);
    expect(back.orphanedSince.size).toBe(0);
  });

  it('refuses replica ids longer than a label value', () => {
    expect(replicaIdProblem('x', 'r'.repeat(63))).toBeUndefined();
    expect(replicaIdProblem('x', 'r'.repeat(64))).toMatch(/longer than 63/);
  });
});

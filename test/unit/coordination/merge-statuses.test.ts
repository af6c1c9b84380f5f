import { describe, expect, it } from 'vitest';
import { mergeStatuses, type MemberEntry, type PublishedStatus } from '../../../src/coordination/merge-statuses.ts';

const entry = (message: string): MemberEntry => ({ applied: { reachable: true, changes: [], message }, driftCorrected: 0 });
const status = (replica: string, revision: string, members: Record<string, string>): PublishedStatus => ({
  replica,
  revision,
  members: Object.fromEntries(Object.entries(members).map(([m, msg]) => [m, entry(msg)])),
});

describe('mergeStatuses', () => {
  it('takes each member from the replica claiming it, else from another that applied the same revision', () => {
    const merged = mergeStatuses({
      revision: 'r2',
      wanted: ['m1', 'm2', 'm3'],
      statuses: [status('b', 'r2', { m1: 'from b', m2: 'old owner b' }), status('a', 'r2', { m2: 'from a' }), status('c', 'r1', { m3: 'older revision' })],
      claimedBy: new Map([['m1', 'b'], ['m2', 'a'], ['m3', 'c']]),
      self: 'a',
      live: ['a', 'b', 'c'],
    });
    expect(Object.keys(merged.applied.clusters)).toEqual(['m1', 'm2']);
    expect(merged.applied.clusters.m1!.message).toBe('from b');
    expect(merged.applied.clusters.m2!.message).toBe('from a');
    expect(merged.missing).toEqual(['m3']);
    expect(merged.applied.revision).toBe('r2');
  });

  it('picks the same entry whatever order the statuses are listed in', () => {
    const statuses = [status('b', 'r', { m1: 'b' }), status('a', 'r', { m1: 'a' })];
    const input = { revision: 'r', wanted: ['m1'], claimedBy: new Map<string, string>(), self: 'a', live: ['a', 'b'] };
    expect(mergeStatuses({ ...input, statuses }).applied.clusters.m1!.message).toBe('a');
    expect(mergeStatuses({ ...input, statuses: [...statuses].reverse() }).applied.clusters.m1!.message).toBe('a');
  });

  it('carries the other live replicas\' problems, whatever revision they are on, naming each replica', () => {
    const failing = (replica: string, revision: string, message: string): PublishedStatus => ({
      ...status(replica, revision, {}),
      problems: [{ stage: 'SourceFetchFailed', message }],
    });
    const merged = mergeStatuses({
      revision: 'r2',
      wanted: [],
      statuses: [failing('c', 'r1', 'cannot fetch'), failing('a', 'r2', 'own problem'), failing('gone', 'r2', 'dead replica'), failing('b', 'r2', 'member x down')],
      claimedBy: new Map(),
      self: 'a',
      live: ['a', 'b', 'c'],
    });
    expect(merged.problems.length).toBeGreaterThan(0);
    expect(merged.problems).toEqual([
      { stage: 'SourceFetchFailed', message: 'replica b: member x down' },
      { stage: 'SourceFetchFailed', message: 'replica c: cannot fetch' },
    ]);
  });
});

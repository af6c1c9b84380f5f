import { describe, expect, it } from 'vitest';
import {
  compareHealthStatus, countByStatus, healthPrecedence, sumReplicas, worstHealth,
} from '../../../src/health/aggregate-health.ts';
import type { Health, HealthStatus } from '../../../src/health/compute-health.ts';

const health = (status: HealthStatus, message: string = status): Health => ({ status, message });

describe('worstHealth', () => {
  it('ranks Failed > Unknown > NotFound > Terminating > InProgress > Current', () => {
    expect(healthPrecedence).toEqual(['Failed', 'Unknown', 'NotFound', 'Terminating', 'InProgress', 'Current']);
    for (let worse = 0; worse < healthPrecedence.length; worse += 1) {
      for (let better = worse + 1; better < healthPrecedence.length; better += 1) {
        const [a, b] = [healthPrecedence[worse]!, healthPrecedence[better]!];
        expect(worstHealth([health(b), health(a)]).status, `${a} over ${b}`).toBe(a);
        expect(worstHealth([health(a), health(b)]).status, `${a} over ${b}`).toBe(a);
        expect(compareHealthStatus(a, b)).toBeLessThan(0);
      }
    }
  });

  it('is Current only when every member is Current', () => {
    expect(worstHealth([health('Current'), health('Current')]).status).toBe('Current');
    expect(worstHealth([health('Current'), health('InProgress'), health('Current')]).status).toBe('InProgress');
  });

  it('keeps the message of the first member with the worst status', () => {
    const list = [health('InProgress', 'a'), health('Failed', 'b: deadline'), health('Failed', 'c: crashloop')];
    expect(worstHealth(list)).toEqual({ status: 'Failed', message: 'b: deadline' });
  });

  it('calls an empty list Current', () => {
    expect(worstHealth([])).toEqual({ status: 'Current', message: 'Nothing to check' });
  });

  it('adds up replica counts across members that have them', () => {
    const list: Health[] = [
      { status: 'Current', message: 'a', replicas: { desired: 2, ready: 2, available: 2, updated: 2 } },
      { status: 'InProgress', message: 'b', replicas: { desired: 3, ready: 1, available: 0, updated: 3 } },
      { status: 'NotFound', message: 'c' },
    ];
    expect(worstHealth(list)).toEqual({
      status: 'NotFound', message: 'c', replicas: { desired: 5, ready: 3, available: 2, updated: 5 },
    });
    expect(sumReplicas([health('Current')])).toBeUndefined();
  });
});

describe('countByStatus', () => {
  it('has every status as a key, in alphabetical order, even when zero', () => {
    const counts = countByStatus([]);
    expect(Object.keys(counts)).toEqual(['Current', 'Failed', 'InProgress', 'NotFound', 'Terminating', 'Unknown']);
    expect(Object.values(counts)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts health results and bare statuses alike', () => {
    expect(countByStatus([health('Current'), 'Current', health('Failed'), 'InProgress', health('Current')])).toEqual({
      Current: 3, Failed: 1, InProgress: 1, NotFound: 0, Terminating: 0, Unknown: 0,
    });
  });

  it('keeps the same key order whatever order statuses first appear in', () => {
    expect(Object.keys(countByStatus(['Unknown', 'Failed', 'Current'])))
      .toEqual(Object.keys(countByStatus(['Current', 'Failed', 'Unknown'])));
  });
});

import { describe, expect, it } from 'vitest';
import { defaultDeletionGuard, holdsDeletions } from '../../../src/plan/deletion-guard.ts';

describe('deletion guard', () => {
  it('holds a deletion of more than half of what gitfed manages', () => {
    expect(holdsDeletions(6, 10, defaultDeletionGuard)).toBe(true);
  });

  it('lets exactly half go through', () => {
    expect(holdsDeletions(5, 10, defaultDeletionGuard)).toBe(false);
  });

  it('never holds fewer deletions than the minimum, even all of a small member', () => {
    expect(holdsDeletions(2, 2, defaultDeletionGuard)).toBe(false);
    expect(holdsDeletions(3, 3, defaultDeletionGuard)).toBe(true);
  });

  it('follows a configured share', () => {
    expect(holdsDeletions(30, 100, { maxShare: 0.2, minimum: 1 })).toBe(true);
    expect(holdsDeletions(30, 100, { maxShare: 0.4, minimum: 1 })).toBe(false);
  });
});

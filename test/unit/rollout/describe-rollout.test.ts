import { describe, expect, it } from 'vitest';
import type { Rollout } from '../../../src/model/types.ts';
import { describeRollout } from '../../../src/rollout/describe-rollout.ts';
import type { RolloutState } from '../../../src/rollout/rollout-state.ts';

const origin = { file: 'r.yaml', line: 1, column: 1, locate: () => ({ file: 'r.yaml', line: 1, column: 1 }) };
const rollout: Rollout = {
  name: 'staged',
  stages: [
    { name: 'one', clusters: ['member1'], maxUnavailable: { count: 1 }, soakMs: 60_000, manualApproval: false },
    { name: 'two', clusters: ['member2'], maxUnavailable: { count: 1 }, soakMs: 0, manualApproval: true },
  ],
  approvals: [],
  origin,
};
const members = [{ name: 'member1', labels: {} }, { name: 'member2', labels: {} }];

describe('describeRollout', () => {
  it('prints each stage with its members, what they hold and the soak left', () => {
    const state: RolloutState = {
      revision: 'abcdef0123456789',
      startedAt: '2026-12-03T12:00:00.000Z',
      targets: { member1: 'd1', member2: 'd1' },
      stages: { one: { startedAt: '2026-12-03T12:00:00.000Z', soakStartedAt: '2026-12-03T12:00:10.000Z' } },
      members: {
        member1: { revision: 'abcdef0123456789', digest: 'd1', updatedAt: '2026-12-03T12:00:00.000Z' },
        member2: { revision: '0000000fedcba', digest: 'd0', updatedAt: '2026-12-03T11:00:00.000Z' },
      },
    };
    expect(describeRollout(rollout, state, members, new Date('2026-12-03T12:00:30.000Z'))).toEqual([
      'rollout staged: revision abcdef012345',
      '  stage one: soaking, 40s left, 1/1 updated',
      '    member1: holds abcdef012345',
      '  stage two: pending (approval: manual), 0/1 updated',
      '    member2: holds 0000000fedcb (held back)',
    ]);
  });

  it('prints the halt with its objects, and says when nothing is saved yet', () => {
    const state: RolloutState = {
      revision: 'abcdef0123456789',
      startedAt: '2026-12-03T12:00:00.000Z',
      targets: { member1: 'd1', member2: 'd1' },
      stages: { one: { startedAt: '2026-12-03T12:00:00.000Z' } },
      halted: { stage: 'one', reason: 'Failed', message: 'governed objects Failed in member1', objects: ['member1: Deployment/shop/web'], at: '2026-12-03T12:01:00.000Z' },
      members: {
        member1: { revision: 'abcdef0123456789', digest: 'd1', updatedAt: '2026-12-03T12:00:00.000Z' },
        member2: { revision: '0000000fedcba', digest: 'd0', updatedAt: '2026-12-03T11:00:00.000Z' },
      },
    };
    const lines = describeRollout(rollout, state, members, new Date('2026-12-03T12:02:00.000Z'));
    expect(lines.slice(0, 3)).toEqual([
      'rollout staged: revision abcdef012345 HALTED',
      '  halted at stage one (Failed): governed objects Failed in member1',
      '    member1: Deployment/shop/web',
    ]);
    expect(describeRollout(rollout, undefined, members, new Date())).toEqual([expect.stringContaining('no state saved')]);
  });
});

import { describe, expect, it } from 'vitest';
import { reportRollout, rolloutMarkdown } from '../../../src/report/report-rollout.ts';
import type { RolloutStatus } from '../../../src/rollout/rollout-state.ts';

const status: RolloutStatus = {
  name: 'staged',
  revision: 'abcdef0123456789',
  phase: 'Halted',
  stage: 'one',
  halted: { stage: 'one', reason: 'Failed', message: 'governed objects Failed in member1', objects: ['member1: Deployment/shop/web'], at: '2026-12-03T12:00:00.000Z' },
  stages: [
    { name: 'one', state: 'Halted', members: [{ name: 'member1', holds: 'abcdef0123456789', updated: true, health: 'Failed' }], updated: 1, healthy: 0, total: 1, soakRemainingMs: 5, soakUntil: '2026-12-03T12:00:30.000Z' },
    { name: 'two', state: 'Pending', members: [{ name: 'member2', holds: '0123456789abcdef', updated: false, health: 'Current' }], updated: 0, healthy: 0, total: 1 },
  ],
};

describe('the rollout in the report', () => {
  it('keeps the soak end as a timestamp, never the countdown, so the bytes change only when the rollout moves', () => {
    const reported = reportRollout(status);
    expect(reported.stages.length).toBeGreaterThan(0);
    expect(reported.stages[0]).toMatchObject({ name: 'one', state: 'Halted', updated: 1, healthy: 0, total: 1, soakUntil: '2026-12-03T12:00:30.000Z' });
    expect(JSON.stringify(reported)).not.toContain('soakRemainingMs');
    expect(reported.halted).toMatchObject({ reason: 'Failed', objects: ['member1: Deployment/shop/web'] });
  });

  it('says in Markdown where it halted and why, with the failing objects and the held members', () => {
    const text = rolloutMarkdown(reportRollout(status)).join('\n');
    expect(text).toContain('**Halted** at stage **one**');
    expect(text).toContain('> - member1: Deployment/shop/web');
    expect(text).toContain('| two | Pending | 0 | 0 | 1 |  | member2 (0123456, held) |');
  });
});

/**
 * Which stage each member is in (pure): the first stage that lists it in `clusters` or whose `clusterSelector`
 * matches its labels; members in no stage form an implicit last stage, `(unstaged)` (maxUnavailable 1, no soak,
 * no approval). Members of a stage are sorted by name: that is the order they are updated in.
 */
import type { Rollout, RolloutStage } from '../model/types.ts';
import { matchesSelector, sortedText } from '../render/select-clusters.ts';

export const unstagedName = '(unstaged)';

export interface StagePlan {
  stage: RolloutStage;
  members: string[];
}

export function assignStages(rollout: Rollout, members: readonly { name: string; labels: Readonly<Record<string, string>> }[]): StagePlan[] {
  const plans = rollout.stages.map((stage) => ({ stage, members: [] as string[] }));
  const rest: string[] = [];
  for (const member of members) {
    const plan = plans.find(({ stage }) =>
      stage.clusters ? stage.clusters.includes(member.name) : matchesSelector(stage.clusterSelector ?? {}, member.labels),
    );
    (plan ? plan.members : rest).push(member.name);
  }
  const unstaged: RolloutStage = { name: unstagedName, maxUnavailable: { count: 1 }, soakMs: 0, manualApproval: false };
  return [...plans, ...(rest.length > 0 ? [{ stage: unstaged, members: rest }] : [])].map((plan) => ({ ...plan, members: sortedText(plan.members) }));
}

/** How many members of a stage of `total` may be updating at once: a count, or a percentage rounded down, never below 1. */
export function maxUnavailableOf(stage: RolloutStage, total: number): number {
  const limit = 'count' in stage.maxUnavailable ? stage.maxUnavailable.count : Math.floor((stage.maxUnavailable.percent * total) / 100);
  return Math.max(1, limit);
}

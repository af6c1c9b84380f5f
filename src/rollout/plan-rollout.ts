/**
 * For a pull request (`gitfed plan`, pure): in which stage each member is and whether this change reaches it, in
 * the order the rollout will update them. A member changes when the digest of its governed objects differs between
 * base and head (the same rule the daemon starts a rollout by).
 */
import type { KubeObject, Rollout } from '../model/types.ts';
import { assignStages } from './assign-stages.ts';
import { governedDigest } from './governed-objects.ts';

export interface RolloutPlan {
  name: string;
  stages: { name: string; soakMs: number; manualApproval: boolean; members: { name: string; changes: boolean }[] }[];
}

export function planRollout(
  rollout: Rollout,
  clusters: readonly { name: string; labels: Readonly<Record<string, string>> }[],
  base: Readonly<Record<string, readonly KubeObject[]>>,
  head: Readonly<Record<string, readonly KubeObject[]>>,
  governed: ReadonlySet<string>,
): RolloutPlan {
  return {
    name: rollout.name,
    stages: assignStages(rollout, clusters).map(({ stage, members }) => ({
      name: stage.name,
      soakMs: stage.soakMs,
      manualApproval: stage.manualApproval,
      members: members.map((name) => ({ name, changes: governedDigest(base[name] ?? [], governed) !== governedDigest(head[name] ?? [], governed) })),
    })),
  };
}

/** Markdown lines: one numbered line per stage, the members this change reaches in bold. */
export function rolloutPlanLines(plan: RolloutPlan, escape: (text: string) => string): string[] {
  const changing = plan.stages.flatMap((stage) => stage.members.filter((member) => member.changes));
  const lines = [`### Rollout ${escape(plan.name)}`, ''];
  lines.push(changing.length === 0 ? 'This change reaches no member through the rollout: nothing it governs changes.' : 'Members change stage by stage, in this order:', '');
  plan.stages.forEach((stage, index) => {
    const gates = [stage.soakMs > 0 ? `soak ${stage.soakMs / 1000}s` : '', stage.manualApproval ? 'approval: manual' : ''].filter(Boolean).join(', ');
    const members = stage.members.map((member) => (member.changes ? `**${escape(member.name)}**` : `${escape(member.name)} (unchanged)`)).join(', ');
    lines.push(`${index + 1}. ${escape(stage.name)}${gates ? ` (${gates})` : ''}: ${members || 'no members'}`);
  });
  return [...lines, ''];
}

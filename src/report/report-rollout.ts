/**
 * The rollout in the committed report (pure): revision, phase, the stage reached, per stage members
 * updated/healthy/total and when its soak ends, and why it halted with the failing objects. A timestamp, not a
 * countdown, so the report's bytes change only when the rollout moves (`gitfed status` shows what remains).
 */
import type { RolloutHalt, RolloutPhase, RolloutStatus, StageState } from '../rollout/rollout-state.ts';
import { escapeMarkdown as md } from '../model/markdown-text.ts';

export interface ReportRollout {
  name: string;
  revision: string;
  phase: RolloutPhase;
  stage?: string;
  halted?: Omit<RolloutHalt, 'at'> & { at: string };
  stages: {
    name: string;
    state: StageState;
    updated: number;
    healthy: number;
    total: number;
    soakUntil?: string;
    members: { name: string; holds: string; updated: boolean; health: string }[];
  }[];
}

export function reportRollout(status: RolloutStatus): ReportRollout {
  return {
    name: status.name,
    revision: status.revision,
    phase: status.phase,
    ...(status.stage ? { stage: status.stage } : {}),
    ...(status.halted ? { halted: { ...status.halted, objects: [...status.halted.objects] } } : {}),
    stages: status.stages.map((stage) => ({
      name: stage.name,
      state: stage.state,
      updated: stage.updated,
      healthy: stage.healthy,
      total: stage.total,
      ...(stage.soakUntil ? { soakUntil: stage.soakUntil } : {}),
      members: stage.members.map((member) => ({ ...member })),
    })),
  };
}

/** The Markdown section: one line of state, one table row per stage, the halt with its objects. */
export function rolloutMarkdown(rollout: ReportRollout): string[] {
  const where = rollout.stage ? ` at stage **${md(rollout.stage)}**` : '';
  const lines = [`Rollout **${md(rollout.name)}** of \`${rollout.revision.slice(0, 12)}\`: **${rollout.phase}**${where}.`, ''];
  if (rollout.halted) {
    lines.push(`> Halted at stage **${md(rollout.halted.stage)}** (${rollout.halted.reason}): ${md(rollout.halted.message)}`);
    for (const object of rollout.halted.objects.slice(0, 20)) lines.push(`> - ${md(object)}`);
    lines.push('');
  }
  lines.push('| stage | state | updated | healthy | total | soak until | members |', '|---|---|---|---|---|---|---|');
  for (const stage of rollout.stages) {
    const members = stage.members.map((member) => `${md(member.name)} (${member.holds.slice(0, 7)}${member.updated ? '' : ', held'})`).join('<br>');
    lines.push(`| ${md(stage.name)} | ${stage.state} | ${stage.updated} | ${stage.healthy} | ${stage.total} | ${stage.soakUntil ?? ''} | ${members} |`);
  }
  return lines;
}

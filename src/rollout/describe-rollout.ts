/**
 * The rollout as `gitfed status` prints it (pure; the clock is an input): from the Rollout and the state saved in
 * the members, the revision being rolled out, each stage with its members and the revision they hold, the soak
 * remaining and the halt. The daemon's report says the same from its last pass (report/report-rollout.ts).
 */
import type { Rollout } from '../model/types.ts';
import { assignStages } from './assign-stages.ts';
import type { RolloutState } from './rollout-state.ts';

export function describeRollout(
  rollout: Rollout,
  state: RolloutState | undefined,
  members: readonly { name: string; labels: Readonly<Record<string, string>> }[],
  now: Date,
): string[] {
  if (!state) return [`rollout ${rollout.name}: no state saved in the members yet (the daemon has not run with it)`];
  const lines = [`rollout ${rollout.name}: revision ${state.revision.slice(0, 12)}${state.halted ? ' HALTED' : ''}`];
  if (state.halted) {
    lines.push(`  halted at stage ${state.halted.stage} (${state.halted.reason}): ${state.halted.message}`);
    for (const object of state.halted.objects) lines.push(`    ${object}`);
  }
  for (const plan of assignStages(rollout, members)) {
    const progress = state.stages[plan.stage.name] ?? {};
    const updated = plan.members.filter((name) => state.members[name] && state.members[name].digest === state.targets[name]);
    let phase = progress.completedAt ? 'complete' : progress.startedAt ? 'progressing' : updated.length === plan.members.length ? 'complete' : 'pending';
    if (phase === 'progressing' && progress.soakStartedAt) {
      const remaining = Date.parse(progress.soakStartedAt) + plan.stage.soakMs - now.getTime();
      phase = remaining > 0 ? `soaking, ${Math.ceil(remaining / 1000)}s left` : 'soak passed';
    }
    if (!progress.startedAt && phase === 'pending' && plan.stage.manualApproval) phase = 'pending (approval: manual)';
    lines.push(`  stage ${plan.stage.name}: ${phase}, ${updated.length}/${plan.members.length} updated`);
    for (const name of plan.members) {
      const record = state.members[name];
      const holds = record ? record.revision.slice(0, 12) : 'nothing recorded';
      lines.push(`    ${name}: holds ${holds}${updated.includes(name) ? '' : ' (held back)'}`);
    }
  }
  return lines;
}

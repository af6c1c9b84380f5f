/**
 * The rollout's stage machine (pure; the clock is an input). One call per reconcile pass: from the Rollout, the
 * newest revision, each member's target digest and observed health, and the persisted state, it answers which
 * revision each member holds now, the next state, the status to report and what happened (events).
 *
 * Rules (docs/rollouts.md):
 * - A member is updated when the digest it holds equals its target. An updated member holds the newest revision
 *   (its governed objects are the same); any other member keeps the revision it holds, drift-corrected.
 * - A rollout is the set of targets: when a member's target differs from the persisted one, a new rollout starts
 *   at the newest revision, from the first stage (superseding the old one; members only ever move to the newest
 *   targets, so none is put on an older state than it holds unless Git's newest revision says so). Targets that did
 *   not change (a Rollout-only edit, an object it does not govern) continue the rollout in progress.
 * - A revert is a change like any other: no gate is skipped; members already holding the reverted-to content are
 *   simply updated already.
 * - A member with no record (first Rollout, a new member) holds its target at once: there is nothing to protect.
 * - Stages run in order. A stage with nothing to change that never started is complete. Otherwise it starts when
 *   the earlier stages are complete and, for `approval: manual`, `spec.approvals` has its name with a prefix of
 *   the rollout's revision. Within it at most maxUnavailable members are updating (updated, not yet Current); the
 *   next are taken in name order. When all are updated and Current the soak starts; a member not Current resets
 *   it; when it has passed the stage is complete.
 * - A Failed governed object on an updated member of a started stage, or a stage still progressing (not all
 *   updated and Current) longer than progressDeadline since it started, halts the rollout: nothing more is updated
 *   until a new rollout; nothing is rolled back.
 */
import type { Rollout } from '../model/types.ts';
import { assignStages, maxUnavailableOf, type StagePlan } from './assign-stages.ts';
import type {
  MemberHealth,
  MemberRecord,
  RolloutEvent,
  RolloutMember,
  RolloutPhase,
  RolloutStatus,
  RolloutState,
  StageProgress,
  StageState,
  StageStatus,
} from './rollout-state.ts';

export interface RolloutInput {
  rollout: Rollout;
  /** The newest manifests revision. */
  revision: string;
  members: readonly RolloutMember[];
  state?: RolloutState;
  now: Date;
}

export interface RolloutDecision {
  /** Member → the revision whose governed objects it holds after this pass. */
  hold: Record<string, string>;
  state: RolloutState;
  status: RolloutStatus;
  events: RolloutEvent[];
}

type Blocked = 'halted' | 'approval' | 'progressing' | 'soak' | undefined;

export function decideRollout(input: RolloutInput): RolloutDecision {
  const now = input.now.toISOString();
  const events: RolloutEvent[] = [];
  const state = carryState(input, now, events);
  const byName = new Map(input.members.map((member) => [member.name, member]));
  const stages: StageStatus[] = [];
  const plans = assignStages(input.rollout, input.members);
  // A halt names its stage; should that stage be gone from the Rollout, nothing moves at all.
  let blocked: Blocked = state.halted && !plans.some((plan) => plan.stage.name === state.halted!.stage) ? 'halted' : undefined;
  for (const plan of plans) {
    const result = decideStage(plan, blocked);
    stages.push(result.status);
    blocked = result.blocked;
  }
  const hold = Object.fromEntries(input.members.map((member) => [member.name, holds(member)]));
  const phase = phaseOf(blocked);
  if (phase === 'Complete' && events.some((event) => event.kind === 'StageCompleted')) {
    events.push({ kind: 'RolloutComplete', message: `rollout of ${short(state.revision)} reached every stage` });
  }
  const reached = stages.find((stage) => stage.state !== 'Complete');
  return {
    hold,
    state,
    status: {
      name: input.rollout.name,
      revision: state.revision,
      phase,
      ...(reached ? { stage: reached.name } : {}),
      ...(state.halted ? { halted: state.halted } : {}),
      stages,
    },
    events,
  };

  function holds(member: RolloutMember): string {
    const record = state.members[member.name]!;
    return record.digest === member.target ? input.revision : record.revision;
  }

  function healthOf(member: RolloutMember): MemberHealth['status'] | 'Unknown' {
    const record = state.members[member.name]!;
    return member.health && member.health.digest === record.digest ? member.health.status : 'Unknown';
  }

  function isUpdated(name: string): boolean {
    return state.members[name]!.digest === byName.get(name)!.target;
  }

  function decideStage(plan: StagePlan, before: Blocked): { status: StageStatus; blocked: Blocked } {
    const { stage } = plan;
    const progress: StageProgress = (state.stages[stage.name] ??= {});
    const pending = plan.members.filter((name) => !isUpdated(name));
    const report = (stageState: StageState, blocked: Blocked, extra: Partial<StageStatus> = {}) => ({
      status: { ...statusOf(plan, stageState), ...extra },
      blocked,
    });
    if (!progress.startedAt && pending.length === 0) {
      if (Object.keys(progress).length === 0) delete state.stages[stage.name];
      return report('Complete', before);
    }
    if (before) return report(progress.completedAt ? 'Complete' : before === 'halted' && progress.startedAt ? 'Halted' : 'Pending', before);
    if (state.halted?.stage === stage.name) return report('Halted', 'halted');
    if (!progress.startedAt) {
      if (stage.manualApproval && !approved(stage.name)) {
        events.push({ kind: 'WaitingApproval', stage: stage.name, message: `stage ${stage.name} waits for an approval of ${short(state.revision)} in spec.approvals` });
        return report('WaitingApproval', 'approval');
      }
      progress.startedAt = now;
      events.push({ kind: 'StageStarted', stage: stage.name, message: `stage ${stage.name} started for ${short(state.revision)}` });
    }
    if (haltOnFailure(plan)) return report('Halted', 'halted');
    if (progress.completedAt) {
      updateWithin(plan, pending);
      return report('Complete', undefined);
    }
    updateWithin(plan, pending);
    const settled = plan.members.every((name) => isUpdated(name) && healthOf(byName.get(name)!) === 'Current');
    if (!settled) {
      delete progress.soakStartedAt;
      if (haltOnDeadline(plan, progress)) return report('Halted', 'halted');
      return report('Progressing', 'progressing');
    }
    if (!progress.soakStartedAt) {
      progress.soakStartedAt = now;
      events.push({ kind: 'SoakStarted', stage: stage.name, message: `stage ${stage.name} is healthy; soaking for ${stage.soakMs / 1000}s` });
    }
    const remaining = Date.parse(progress.soakStartedAt) + stage.soakMs - input.now.getTime();
    const soakUntil = new Date(Date.parse(progress.soakStartedAt) + stage.soakMs).toISOString();
    if (remaining > 0) return report('Soaking', 'soak', { soakRemainingMs: remaining, soakUntil });
    progress.completedAt = now;
    events.push({ kind: 'StageCompleted', stage: stage.name, message: `stage ${stage.name} is complete` });
    return report('Complete', undefined);
  }

  /** Updates the next pending members while fewer than maxUnavailable are updating. */
  function updateWithin(plan: StagePlan, pending: readonly string[]): void {
    const updating = plan.members.filter((name) => isUpdated(name) && healthOf(byName.get(name)!) !== 'Current').length;
    const slots = maxUnavailableOf(plan.stage, plan.members.length) - updating;
    for (const name of pending.slice(0, Math.max(0, slots))) {
      state.members[name] = { revision: input.revision, digest: byName.get(name)!.target, updatedAt: now };
      events.push({ kind: 'MemberUpdated', stage: plan.stage.name, member: name, message: `${name} updated to ${short(input.revision)}` });
    }
  }

  function haltOnFailure(plan: StagePlan): boolean {
    const failed = plan.members.filter((name) => isUpdated(name) && healthOf(byName.get(name)!) === 'Failed');
    if (failed.length === 0) return false;
    const objects = failed.flatMap((name) => byName.get(name)!.health!.failing.map((id) => `${name}: ${id}`));
    halt(plan, 'Failed', `governed objects Failed in ${failed.join(', ')}`, objects);
    return true;
  }

  function haltOnDeadline(plan: StagePlan, progress: StageProgress): boolean {
    const deadline = input.rollout.progressDeadlineMs;
    if (deadline === undefined || input.now.getTime() - Date.parse(progress.startedAt!) <= deadline) return false;
    const late = plan.members.filter((name) => !isUpdated(name) || healthOf(byName.get(name)!) !== 'Current');
    const objects = late.flatMap((name) => {
      const failing = byName.get(name)!.health?.failing ?? [];
      return failing.length > 0 ? failing.map((id) => `${name}: ${id}`) : [`${name}: not updated and Current`];
    });
    halt(plan, 'ProgressDeadlineExceeded', `stage ${plan.stage.name} did not become healthy within ${deadline / 1000}s`, objects);
    return true;
  }

  function halt(plan: StagePlan, reason: 'Failed' | 'ProgressDeadlineExceeded', message: string, objects: string[]): void {
    state.halted = { stage: plan.stage.name, reason, message, objects, at: now };
    events.push({ kind: 'Halted', stage: plan.stage.name, message: `rollout of ${short(state.revision)} halted at stage ${plan.stage.name}: ${message}` });
  }

  function approved(stage: string): boolean {
    return input.rollout.approvals.some((approval) => approval.stage === stage && state.revision.startsWith(approval.revision));
  }

  function statusOf(plan: StagePlan, stageState: StageState): StageStatus {
    const members = plan.members.map((name) => {
      const member = byName.get(name)!;
      return { name, holds: holds(member), updated: isUpdated(name), health: healthOf(member) };
    });
    return {
      name: plan.stage.name,
      state: stageState,
      members,
      updated: members.filter((member) => member.updated).length,
      healthy: members.filter((member) => member.updated && member.health === 'Current').length,
      total: members.length,
    };
  }
}

/** The persisted state carried into this pass: continued when the targets are the same, else a new rollout. */
function carryState(input: RolloutInput, now: string, events: RolloutEvent[]): RolloutState {
  const previous = input.state;
  const targets = Object.fromEntries(input.members.map((member) => [member.name, member.target]));
  const members: Record<string, MemberRecord> = {};
  for (const member of input.members) {
    const record = previous?.members[member.name];
    if (record) members[member.name] = { ...record };
    else {
      members[member.name] = { revision: input.revision, digest: member.target, updatedAt: now };
      events.push({ kind: 'MemberAdopted', member: member.name, message: `${member.name} has no rollout record: it holds ${short(input.revision)} at once` });
    }
  }
  const continued =
    previous !== undefined &&
    input.members.every((member) => previous.targets[member.name] === undefined || previous.targets[member.name] === member.target);
  if (continued) {
    for (const member of input.members) {
      // Same content under a newer revision: the member holds the newest revision.
      if (members[member.name]!.digest === member.target) members[member.name]!.revision = input.revision;
    }
    return { ...structuredClone(previous), targets, members };
  }
  if (previous) events.push({ kind: 'RolloutStarted', message: `rollout of ${short(input.revision)} starts at the first stage` });
  for (const member of input.members) {
    if (members[member.name]!.digest === member.target) members[member.name]!.revision = input.revision;
  }
  return { revision: input.revision, startedAt: now, targets, stages: {}, members };
}

function phaseOf(blocked: Blocked): RolloutPhase {
  switch (blocked) {
    case 'halted':
      return 'Halted';
    case 'approval':
      return 'WaitingApproval';
    case 'progressing':
      return 'Progressing';
    case 'soak':
      return 'Soaking';
    default:
      return 'Complete';
  }
}

function short(revision: string): string {
  return revision.slice(0, 12);
}

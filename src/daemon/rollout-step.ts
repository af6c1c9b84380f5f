/**
 * The reconcile's rollout step (docs/rollouts.md), between render and observe: with a `Rollout` in the repository,
 * each member is given the governed objects of the revision it holds, as the stage machine (rollout/decide-rollout.ts)
 * decides, and everything else of the newest revision. Without one, the render passes through untouched.
 *
 * Effects here: reading the persisted state once after a start (apply/rollout-store.ts), saving it before any
 * decision is applied, reading and rendering held revisions (cached while some member holds them). The health the
 * machine needs is read after the apply (`observeRolloutHealth`) and used by the next pass.
 */
import type { Logger } from 'pino';
import { isDeepStrictEqual } from 'node:util';
import type { MemberClients } from '../apply/apply-all.ts';
import type { MemberStatus } from '../apply/live-status.ts';
import { readRolloutState, saveRolloutState, type StoredRollout } from '../apply/rollout-store.ts';
import { GitfedError } from '../model/diagnostic.ts';
import { loadModel } from '../model/load-model.ts';
import type { Snapshot } from '../model/snapshot.ts';
import type { Model } from '../model/types.ts';
import { render, type RenderResult } from '../render/render.ts';
import type { ReportProblem } from '../report/build-report.ts';
import { decideRollout } from '../rollout/decide-rollout.ts';
import { composeHeld, governedDigest, governedIds, governedMemberIds, summarizeHealth } from '../rollout/governed-objects.ts';
import type { MemberHealth, RolloutStatus } from '../rollout/rollout-state.ts';
import type { DaemonMetrics } from './metrics.ts';

/** What the daemon keeps between passes; `stored` is also in the members, so a restart resumes from it. */
export interface RolloutMemory {
  read: boolean;
  stored?: StoredRollout;
  health: Record<string, MemberHealth>;
  /** Member → member-object ids of the governed objects it was given (for its health). */
  governed: Record<string, Set<string>>;
  renders: Map<string, { rendered: RenderResult; ids: Set<string> }>;
  status?: RolloutStatus;
}

export function newRolloutMemory(): RolloutMemory {
  return { read: false, health: {}, governed: {}, renders: new Map() };
}

export interface RolloutStepDeps {
  clients: MemberClients;
  snapshot(revision: string): Promise<Snapshot>;
  instance: string;
  availableClusters: readonly string[];
  now: Date;
  logger: Logger;
  metrics: DaemonMetrics;
}

/** A rollout in motion needs passes of its own (soak and health move without a commit). */
export function rolloutInMotion(memory: RolloutMemory | undefined): boolean {
  return memory?.status?.phase === 'Progressing' || memory?.status?.phase === 'Soaking';
}

export async function stageRollout(
  model: Model,
  rendered: RenderResult,
  memory: RolloutMemory,
  deps: RolloutStepDeps,
): Promise<{ rendered: RenderResult; problems: ReportProblem[] }> {
  const rollout = model.rollout;
  const revision = rendered.revision;
  if (!rollout || revision === null) {
    if (memory.status) clearMetrics(deps.metrics);
    delete memory.status;
    return { rendered, problems: [] };
  }
  await readOnce(memory, deps);
  const ids = governedIds(model, rollout);
  const labels = new Map(model.clusters.map((cluster) => [cluster.name, cluster.labels]));
  const members = Object.entries(rendered.clusters).map(([name, objects]) => ({
    name,
    labels: labels.get(name) ?? {},
    target: governedDigest(objects, ids),
    ...(memory.health[name] ? { health: memory.health[name] } : {}),
  }));
  const decision = decideRollout({ rollout, revision, members, ...(memory.stored ? { state: memory.stored.state } : {}), now: deps.now });
  if (!memory.stored || !isDeepStrictEqual(decision.state, memory.stored.state)) await save(memory, { sequence: (memory.stored?.sequence ?? 0) + 1, state: decision.state }, deps);
  for (const event of decision.events) {
    const level = event.kind === 'WaitingApproval' ? 'debug' : 'info';
    deps.logger[level]({ rollout: rollout.name, event: event.kind, stage: event.stage, cluster: event.member }, event.message);
  }
  clearMetrics(deps.metrics);
  memory.status = decision.status;
  setMetrics(decision.status, deps.metrics);

  const problems: ReportProblem[] = [];
  const clusters: Record<string, RenderResult['clusters'][string]> = {};
  for (const [name, objects] of Object.entries(rendered.clusters)) {
    const held = decision.hold[name];
    if (held === undefined || held === revision) {
      clusters[name] = objects;
      continue;
    }
    try {
      const old = await renderHeld(held, model, memory, deps);
      clusters[name] = composeHeld(objects, old.rendered.clusters[name] ?? [], new Set([...ids, ...old.ids]));
    } catch (err) {
      // Giving it the newest revision would skip the gates: it is left alone this pass.
      problems.push({ stage: 'RolloutFailed', message: `${name} holds ${held.slice(0, 12)}, which could not be rendered (${(err as Error).message}); nothing was applied to it` });
    }
  }
  for (const [name, objects] of Object.entries(clusters)) memory.governed[name] = governedMemberIds(objects, ids);
  const heldRevisions = new Set(Object.values(decision.hold));
  for (const cached of memory.renders.keys()) if (!heldRevisions.has(cached)) memory.renders.delete(cached);
  return { rendered: { ...rendered, clusters }, problems };
}

/** After the apply: the health of each member's governed objects, tagged with the digest it holds. */
export function observeRolloutHealth(memory: RolloutMemory | undefined, live: Readonly<Record<string, MemberStatus>>): void {
  const state = memory?.stored?.state;
  if (!memory || !state || !memory.status) return;
  for (const [cluster, status] of Object.entries(live)) {
    const record = state.members[cluster];
    const governed = memory.governed[cluster];
    if (record && governed) memory.health[cluster] = summarizeHealth(record.digest, status.objects, governed);
  }
}

async function readOnce(memory: RolloutMemory, deps: RolloutStepDeps): Promise<void> {
  if (memory.read) return;
  const { stored, failed } = await readRolloutState(deps.clients, deps.instance);
  const unread = Object.keys(failed);
  if (!stored && unread.length > 0 && unread.length === deps.clients.size) {
    throw new GitfedError('RolloutFailed', `the rollout state could not be read from any member (${unread.map((name) => `${name}: ${failed[name]}`).join('; ')}); nothing is applied until one answers`);
  }
  if (stored) memory.stored = stored;
  memory.read = true;
}

async function save(memory: RolloutMemory, next: StoredRollout, deps: RolloutStepDeps): Promise<void> {
  const { saved, failed } = await saveRolloutState(deps.clients, deps.instance, next);
  if (saved.length === 0) {
    const why = Object.entries(failed).map(([name, message]) => `${name}: ${message}`).join('; ');
    throw new GitfedError('RolloutFailed', `the rollout state could not be saved in any member (${why || 'no members'}); nothing it decided was applied`);
  }
  memory.stored = next;
}

async function renderHeld(revision: string, model: Model, memory: RolloutMemory, deps: RolloutStepDeps): Promise<{ rendered: RenderResult; ids: Set<string> }> {
  const cached = memory.renders.get(revision);
  if (cached) return cached;
  const held = loadModel(await deps.snapshot(revision));
  // Placement is decided against today's members; the held revision only says what they get.
  const rendered = render({ ...held, clusters: model.clusters }, { instance: deps.instance, availableClusters: deps.availableClusters });
  const entry = { rendered, ids: model.rollout ? governedIds(held, model.rollout) : new Set<string>() };
  memory.renders.set(revision, entry);
  return entry;
}

function setMetrics(status: RolloutStatus, metrics: DaemonMetrics): void {
  const index = status.stage === undefined ? 0 : status.stages.findIndex((stage) => stage.name === status.stage) + 1;
  metrics.rolloutStage.set({ rollout: status.name, stage: status.stage ?? '' }, index);
  for (const phase of ['Complete', 'Progressing', 'Soaking', 'WaitingApproval', 'Halted']) {
    metrics.rolloutPhase.set({ rollout: status.name, phase }, phase === status.phase ? 1 : 0);
  }
  const members = status.stages.flatMap((stage) => stage.members);
  metrics.rolloutMembers.set({ rollout: status.name, state: 'updated' }, members.filter((member) => member.updated).length);
  metrics.rolloutMembers.set({ rollout: status.name, state: 'held' }, members.filter((member) => !member.updated).length);
}

function clearMetrics(metrics: DaemonMetrics): void {
  metrics.rolloutStage.reset();
  metrics.rolloutPhase.reset();
  metrics.rolloutMembers.reset();
}

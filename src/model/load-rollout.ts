/**
 * `Rollout` documents → the model's rollout (pure). A repository has at most one: a second is dropped with
 * DuplicateObject at its name. Beyond the schema: stage names are unique, a member named by two stages' `clusters`
 * is an error (selectors may overlap: the first stage that matches wins, docs/rollouts.md), and an approval names
 * a declared stage. Every problem points at its field; an invalid Rollout is an error, so the revision is not
 * applied (a rollout that cannot be read must not let a change reach every member at once).
 */
import { durationMs } from './duration.ts';
import { error, type Diagnostic } from './diagnostic.ts';
import { resourceId } from './identity.ts';
import { rolloutSchema, validateDocument, type LabelSelectorDocument, type RolloutDocument } from './schemas.ts';
import type { LabelSelector, MaxUnavailable, Origin, Rollout, RolloutStage } from './types.ts';

export interface RolloutCandidate {
  value: Record<string, unknown>;
  origin: Origin;
  name?: string;
}

export function loadRollout(candidates: readonly RolloutCandidate[], diagnostics: Diagnostic[]): Rollout | undefined {
  let first: { rollout: Rollout; origin: Origin } | undefined;
  for (const candidate of candidates) {
    const resource = resourceId({ kind: 'Rollout', name: candidate.name ?? '(unnamed)' });
    if (first) {
      diagnostics.push(error(
        'DuplicateObject',
        `a repository has one Rollout; ${first.rollout.name} is already declared at ${first.origin.file}:${first.origin.line}, this one is ignored`,
        { ...candidate.origin.locate(['metadata', 'name']), field: 'metadata.name', resource },
      ));
      continue;
    }
    const { data, diagnostics: found } = validateDocument(rolloutSchema, candidate.value, candidate.origin, resource);
    diagnostics.push(...found);
    if (!data) continue;
    const problems = crossChecks(data, candidate.origin, resource);
    diagnostics.push(...problems);
    if (problems.length > 0) continue;
    first = { rollout: toRollout(data, candidate.origin), origin: candidate.origin };
  }
  return first?.rollout;
}

function crossChecks(data: RolloutDocument, origin: Origin, resource: string): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const at = (path: (string | number)[], field: string) => ({ ...origin.locate(path), field, resource });
  const stageAt = new Map<string, number>();
  const clusterStage = new Map<string, string>();
  data.spec.stages.forEach((stage, index) => {
    const seen = stageAt.get(stage.name);
    if (seen !== undefined) {
      problems.push(error('SchemaInvalid', `spec.stages[${index}].name "${stage.name}" is already the name of spec.stages[${seen}]`, at(['spec', 'stages', index, 'name'], `spec.stages[${index}].name`)));
    } else stageAt.set(stage.name, index);
    (stage.clusters ?? []).forEach((cluster, position) => {
      const other = clusterStage.get(cluster);
      if (other !== undefined) {
        const field = `spec.stages[${index}].clusters[${position}]`;
        problems.push(error('SchemaInvalid', `${field}: cluster "${cluster}" is already in stage "${other}"; a member belongs to one stage`, at(['spec', 'stages', index, 'clusters', position], field)));
      } else clusterStage.set(cluster, stage.name);
    });
  });
  (data.spec.approvals ?? []).forEach((approval, index) => {
    if (!stageAt.has(approval.stage)) {
      const field = `spec.approvals[${index}].stage`;
      problems.push(error('SchemaInvalid', `${field} must name a stage of spec.stages (${[...stageAt.keys()].join(', ')}), got "${approval.stage}"`, at(['spec', 'approvals', index, 'stage'], field)));
    }
  });
  return problems;
}

function toRollout(data: RolloutDocument, origin: Origin): Rollout {
  const { spec } = data;
  const rollout: Rollout = {
    name: data.metadata.name,
    stages: spec.stages.map((stage): RolloutStage => ({
      name: stage.name,
      ...(stage.clusters ? { clusters: [...stage.clusters] } : {}),
      ...(stage.clusterSelector ? { clusterSelector: copySelector(stage.clusterSelector) } : {}),
      maxUnavailable: toMaxUnavailable(stage.maxUnavailable),
      soakMs: stage.soak ? durationMs(stage.soak) ?? 0 : 0,
      manualApproval: stage.approval === 'manual',
    })),
    approvals: (spec.approvals ?? []).map(({ stage, revision }) => ({ stage, revision })),
    origin,
  };
  if (spec.selector) rollout.selector = copySelector(spec.selector);
  if (spec.progressDeadline) rollout.progressDeadlineMs = durationMs(spec.progressDeadline) ?? 0;
  return rollout;
}

function toMaxUnavailable(value: number | string | null | undefined): MaxUnavailable {
  if (typeof value === 'number') return { count: value };
  if (typeof value === 'string') return { percent: Number(value.slice(0, -1)) };
  return { count: 1 };
}

function copySelector(selector: LabelSelectorDocument): LabelSelector {
  const copy: LabelSelector = {};
  if (selector.matchLabels) copy.matchLabels = { ...selector.matchLabels };
  if (selector.matchExpressions) {
    copy.matchExpressions = selector.matchExpressions.map(({ key, operator, values }) => (values ? { key, operator, values: [...values] } : { key, operator }));
  }
  return copy;
}

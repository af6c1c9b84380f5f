import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/model/load-model.ts';
import type { Model } from '../../../src/model/types.ts';

function load(files: Record<string, string>): Model {
  return loadModel({ revision: null, files: new Map(Object.entries(files)), diagnostics: [] });
}

const rollout = (spec: string, name = 'staged') => `apiVersion: gitfed.io/v1alpha1
kind: Rollout
metadata:
  name: ${name}
spec:
${spec}`;

const errors = (model: Model) =>
  model.diagnostics.filter((d) => d.severity === 'error').map(({ code, file, line, field, message }) => ({ code, file, line, field, message }));

describe('loadModel: Rollout', () => {
  it('reads stages, selector, deadline and approvals with their defaults', () => {
    const model = load({
      'rollout.yaml': rollout(`  selector:
    matchLabels: {tier: web}
  progressDeadline: 10m
  stages:
  - name: canary
    clusters: [member1]
    soak: 30s
  - name: prod
    clusterSelector:
      matchLabels: {env: prod}
    maxUnavailable: 50%
    approval: manual
  - name: rest
    clusters: [member9]
    maxUnavailable: 2
  approvals:
  - {stage: prod, revision: 0123abc}
`),
    });
    expect(errors(model)).toEqual([]);
    expect(model.rollout).toMatchObject({
      name: 'staged',
      selector: { matchLabels: { tier: 'web' } },
      progressDeadlineMs: 600_000,
      stages: [
        { name: 'canary', clusters: ['member1'], maxUnavailable: { count: 1 }, soakMs: 30_000, manualApproval: false },
        { name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } }, maxUnavailable: { percent: 50 }, soakMs: 0, manualApproval: true },
        { name: 'rest', clusters: ['member9'], maxUnavailable: { count: 2 }, soakMs: 0, manualApproval: false },
      ],
      approvals: [{ stage: 'prod', revision: '0123abc' }],
    });
  });

  it('has no rollout when the repository declares none', () => {
    const model = load({ 'x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
    expect(model.rollout).toBeUndefined();
    expect('rollout' in model).toBe(false);
  });

  it('points at the field of each schema problem', () => {
    const model = load({
      'r.yaml': rollout(`  progressDeadline: soon
  stages:
  - name: canary
    clusters: [member1]
    clusterSelector: {matchLabels: {a: b}}
  - name: two
    clusters: [member2]
    maxUnavailable: 0
    soak: 5 minutes
`),
    });
    expect(model.rollout).toBeUndefined();
    const found = errors(model);
    expect(found.length).toBeGreaterThan(0);
    expect(found).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: 'r.yaml', line: 6, field: 'spec.progressDeadline', message: expect.stringContaining('a duration such as 30s') }),
      expect.objectContaining({ file: 'r.yaml', line: 8, field: 'spec.stages[0]', message: expect.stringContaining('exactly one of clusters or clusterSelector') }),
      expect.objectContaining({ file: 'r.yaml', line: 13, field: 'spec.stages[1].maxUnavailable' }),
      expect.objectContaining({ file: 'r.yaml', line: 14, field: 'spec.stages[1].soak' }),
    ]));
  });

  it('rejects a stage name twice, a member in two stages and an approval of an unknown stage', () => {
    const model = load({
      'r.yaml': rollout(`  stages:
  - name: one
    clusters: [member1]
  - name: one
    clusters: [member2, member1]
  approvals:
  - {stage: three, revision: abcdef0}
`),
    });
    expect(model.rollout).toBeUndefined();
    expect(errors(model).map((e) => [e.line, e.field])).toEqual([
      [9, 'spec.stages[1].name'],
      [10, 'spec.stages[1].clusters[1]'],
      [12, 'spec.approvals[0].stage'],
    ]);
  });

  it('keeps the first of two Rollouts and names it in the error on the second', () => {
    const model = load({
      'a.yaml': rollout('  stages:\n  - {name: one, clusters: [member1]}\n', 'first'),
      'b.yaml': rollout('  stages:\n  - {name: two, clusters: [member2]}\n', 'second'),
    });
    expect(model.rollout?.name).toBe('first');
    expect(errors(model)).toEqual([expect.objectContaining({ code: 'DuplicateObject', file: 'b.yaml', line: 4, message: expect.stringContaining('a.yaml:1') })]);
  });

  it('rejects another apiVersion for Rollout', () => {
    const model = load({ 'r.yaml': rollout('  stages:\n  - {name: one, clusters: [member1]}\n').replace('v1alpha1', 'v1') });
    expect(model.rollout).toBeUndefined();
    expect(errors(model)).toEqual([expect.objectContaining({ code: 'SchemaInvalid', field: 'apiVersion' })]);
  });
});

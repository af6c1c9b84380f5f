import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/model/types.ts';
import { diffFields } from '../../../src/plan/diff-fields.ts';
import { fieldChanges, maxValueChars } from '../../../src/plan/field-changes.ts';
import { escapeMarkdown, formatPlanMarkdown, inlineCode, planMarker } from '../../../src/plan/format-plan-markdown.ts';
import { hasChanges, planRevisions, withLive, type RevisionInput } from '../../../src/plan/plan-revisions.ts';
import { render } from '../../../src/render/render.ts';
import { clusterYaml, federatedNamespaceYaml, modelOf, threeClusters } from '../../support/repo.ts';

/** A revision from in-memory files, as the CLI hands it to the planner. */
function revision(files: Record<string, string>, name: string | null = null): RevisionInput {
  const model = modelOf(files);
  return { ...render({ ...model, revision: name }), model };
}

function configMaps(count: number, placement = 'clusterSelector: {}', namespace = 'app'): string {
  return Array.from(
    { length: count },
    (_, i) => `apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata:
  name: cm-${i}
  namespace: ${namespace}
spec:
  template:
    data:
      index: "${i}"
  placement:
    ${placement}
`,
  ).join('---\n');
}

const namespace = { 'ns.yaml': federatedNamespaceYaml('app') };

describe('planRevisions', () => {
  it('finds nothing to do between two identical revisions', () => {
    const files = { ...threeClusters, ...namespace, 'cm.yaml': configMaps(2) };
    const plan = planRevisions(revision(files, 'a'), revision(files, 'b'));
    expect(hasChanges(plan)).toBe(false);
    expect(plan.summary).toMatchObject({ clustersChanged: 0, clusters: 3, added: 0, removed: 0, changed: 0 });
    expect(Object.keys(plan.clusters)).toEqual(['a', 'b', 'c']);
    expect(plan.clusters.a).toMatchObject({ status: 'kept', objects: { base: 3, head: 3 } });
  });

  it('holds back an object that fails to render at head instead of removing it', () => {
    const base = { ...threeClusters, ...namespace, 'cm.yaml': configMaps(1) };
    const broken = configMaps(1).replace(
      '  placement:',
      '  overrides:\n  - clusterName: b\n    clusterOverrides:\n    - path: /data/missing/deeper\n      value: x\n  placement:',
    );
    const plan = planRevisions(revision(base), revision({ ...base, 'cm.yaml': broken }));
    expect(plan.clusters.b).toMatchObject({ removed: [], held: [{ id: 'ConfigMap/app/cm-0', code: 'ApplyOverridesFailed' }] });
    expect(plan.clusters.a?.held).toEqual([]);
    expect(plan.placements).toEqual([]);
    expect(plan.errors.map((error) => [error.code, error.cluster])).toEqual([['ApplyOverridesFailed', 'b']]);
  });

  it('says which deletions the deletion guard would hold, unless the cluster allows mass deletion', () => {
    const base = { ...threeClusters, ...namespace, 'cm.yaml': configMaps(6) };
    const head = { ...threeClusters, ...namespace, 'cm.yaml': configMaps(1) };
    const plan = planRevisions(revision(base), revision(head));
    expect(plan.deletionGuard).toEqual([
      { cluster: 'a', deletions: 5, managed: 7 },
      { cluster: 'b', deletions: 5, managed: 7 },
      { cluster: 'c', deletions: 5, managed: 7 },
    ]);
    const allowing = threeClusters['clusters.yaml'].replace(
      '  name: b\n  namespace: kube-federation-system\n',
      '  name: b\n  namespace: kube-federation-system\n  annotations:\n    gitfed.io/allow-mass-deletion: "true"\n',
    );
    const lifted = planRevisions(revision(base), revision({ ...head, 'clusters.yaml': allowing }));
    expect(lifted.deletionGuard.map((guarded) => guarded.cluster)).toEqual(['a', 'c']);
    expect(formatPlanMarkdown(plan)).toContain('the deletion guard would hold these deletions');
  });

  it('does not count orphaned objects as deletions', () => {
    const orphaned = configMaps(6).replaceAll('  namespace: app\n', '  namespace: app\n  annotations:\n    kubefed.io/orphan: "true"\n');
    const plan = planRevisions(revision({ ...threeClusters, ...namespace, 'cm.yaml': orphaned }), revision({ ...threeClusters, ...namespace }));
    expect(plan.clusters.a?.removed).toHaveLength(6);
    expect(plan.deletionGuard).toEqual([]);
  });

  it('describes a cluster that is no longer declared as left alone, and a new one by what it receives', () => {
    const files = (clusters: string) => ({ 'clusters.yaml': clusters, ...namespace, 'cm.yaml': configMaps(2) });
    const plan = planRevisions(
      revision(files([clusterYaml('a', { env: 'prod' }), clusterYaml('b', { env: 'prod' })].join('---\n'))),
      revision(files([clusterYaml('a', { env: 'prod' }), clusterYaml('d', { env: 'dev' })].join('---\n'))),
    );
    expect(plan.clusters.b).toMatchObject({ status: 'removed', removed: ['ConfigMap/app/cm-0', 'ConfigMap/app/cm-1', 'Namespace/app'] });
    expect(plan.clusters.d).toMatchObject({ status: 'added', added: ['ConfigMap/app/cm-0', 'ConfigMap/app/cm-1', 'Namespace/app'] });
    expect(plan.clusterChanges.map((change) => change.summary)).toEqual([
      'b is no longer declared: gitfed stops applying to it; the 3 objects it holds from gitfed stay there as they are',
      'd is new (env=dev): it receives 3 objects',
    ]);
    expect(plan.deletionGuard).toEqual([]);
    expect(plan.placements.find((change) => change.federated === 'FederatedConfigMap/app/cm-0')?.summary).toBe(
      'FederatedConfigMap app/cm-0: now on a and d; added to d; removed from b',
    );
  });

  it('masks Secret data and stringData values but names their keys', () => {
    const secret = (value: string) => `apiVersion: types.kubefed.io/v1beta1
kind: FederatedSecret
metadata:
  name: db
  namespace: app
spec:
  template:
    stringData:
      password: ${value}
    data:
      token: ${Buffer.from(value).toString('base64')}
  placement:
    clusterSelector: {}
`;
    const files = { ...threeClusters, ...namespace };
    const plan = planRevisions(revision({ ...files, 's.yaml': secret('old-password-1') }), revision({ ...files, 's.yaml': secret('new-password-2') }));
    expect(plan.clusters.a?.changed).toEqual([
      { id: 'Secret/app/db', fields: [{ path: 'data.token', masked: 'changed' }, { path: 'stringData.password', masked: 'changed' }] },
    ]);
    const text = JSON.stringify(plan) + formatPlanMarkdown(plan);
    for (const value of ['old-password-1', 'new-password-2']) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
  });

  it('passes every copied message through redact', () => {
    const base = { ...threeClusters, ...namespace };
    const plan = planRevisions(revision(base), revision({ ...base, 'bad.yaml': 'kind: [unclosed' }), {
      redact: (text) => text.replaceAll('unclosed', '[redacted]'),
    });
    expect(plan.errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(plan.errors)).not.toContain('unclosed');
  });

  it('compares with the members when live changes are attached, keeping only changes that do something', () => {
    const files = { ...threeClusters, ...namespace };
    const plan = withLive(planRevisions(revision(files), revision(files)), {
      b: { reachable: true, changes: [{ id: 'Namespace/app', action: 'unchanged', propagation: 'ClusterPropagationOK' }] },
      a: {
        reachable: true,
        changes: [
          { id: 'Namespace/app', action: 'unchanged', propagation: 'ClusterPropagationOK' },
          { id: 'ConfigMap/app/x', action: 'configured', propagation: 'ClusterPropagationOK', fields: ['data.x'], drift: true },
        ],
      },
    });
    expect(Object.keys(plan.live ?? {})).toEqual(['a', 'b']);
    expect(plan.live?.a?.changes.map((change) => change.id)).toEqual(['ConfigMap/app/x']);
    expect(plan.live?.b?.changes).toEqual([]);
    expect(hasChanges(plan)).toBe(true);
    expect(formatPlanMarkdown(plan)).toContain('- configured `ConfigMap/app/x` [`data.x`] (drift: the member was edited by hand)');
  });
});

describe('fieldChanges', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(null, true, 0, 1, 'a', 'b', ''),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'c.d', 'e'), tie('value'), { maxKeys: 3 }),
    ),
  })).value;

  it('names exactly the fields diffFields names', () => {
    fc.assert(
      fc.property(json, json, (spec, other) => {
        const before = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec } as KubeObject;
        const after = { ...before, spec: other } as KubeObject;
        expect(fieldChanges(before, after).map((change) => change.path)).toEqual(diffFields(before, after));
      }),
    );
  });

  it('keeps values short and says when it cut one', () => {
    const before = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { big: 'x'.repeat(1000), list: [1] } } as KubeObject;
    const after = { ...before, data: { big: 'y'.repeat(1000), list: Array.from({ length: 300 }, (_, i) => i) } } as KubeObject;
    const changes = fieldChanges(before, after);
    expect(changes.map((change) => change.path)).toEqual(['data.big', 'data.list']);
    expect(changes.every((change) => change.truncated)).toBe(true);
    expect((changes[0]?.after as string).length).toBe(maxValueChars);
    expect(changes[1]?.after).toMatch(/^\(a list of 300 items, \d+ characters as JSON\)$/);
  });
});

describe('formatPlanMarkdown', () => {
  it('stays within the comment limit, closing what it opened, with a note and the marker last', () => {
    const manyClusters = Array.from({ length: 30 }, (_, i) => clusterYaml(`cluster-${String(i).padStart(2, '0')}`)).join('---\n');
    const base = { 'clusters.yaml': manyClusters, ...namespace, 'cm.yaml': configMaps(60) };
    const head = { ...base, 'cm.yaml': configMaps(60).replaceAll('index: "', 'index: "changed-') };
    const plan = planRevisions(revision(base), revision(head));
    const whole = formatPlanMarkdown(plan, { maxChars: 10_000_000 });
    expect(whole.length).toBeGreaterThan(20_000);
    const cut = formatPlanMarkdown(plan, { maxChars: 6_000 });
    expect(cut.length).toBeLessThanOrEqual(6_000);
    expect(cut.split('\n')[0]).toBe(whole.split('\n')[0]);
    expect(cut.match(/<details>/g)?.length).toBe(cut.match(/<\/details>/g)?.length);
    expect(cut).toContain('> ✂️ Cut to fit a GitHub comment (6,000 characters)');
    expect(cut.endsWith(`${planMarker}\n`)).toBe(true);
  });

  it('keeps a section for every changed cluster by listing fewer objects in each', () => {
    const manyClusters = Array.from({ length: 30 }, (_, i) => clusterYaml(`cluster-${String(i).padStart(2, '0')}`)).join('---\n');
    const base = { 'clusters.yaml': manyClusters, ...namespace, 'cm.yaml': configMaps(60) };
    const head = { ...base, 'cm.yaml': configMaps(60).replaceAll('index: "', 'index: "changed-') };
    const markdown = formatPlanMarkdown(planRevisions(revision(base), revision(head)), { maxChars: 40_000 });
    expect(markdown).not.toContain('Cut to fit');
    expect(markdown.match(/<details>/g)).toHaveLength(30);
    expect(markdown).toContain('- … and 53 more (see `-o json`)');
  });

  it('escapes what comes from manifests and fences code whatever it holds', () => {
    expect(escapeMarkdown('a <b> *c* | d\ne')).toBe('a &lt;b&gt; \\*c\\* \\| d e');
    expect(inlineCode('plain')).toBe('`plain`');
    expect(inlineCode('has ` tick')).toBe('`` has ` tick ``');
  });
});

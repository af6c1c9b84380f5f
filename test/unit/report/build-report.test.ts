import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApplyReport } from '../../../src/apply/apply-all.ts';
import type { MemberStatus } from '../../../src/apply/live-status.ts';
import { error, warning, type Diagnostic } from '../../../src/model/diagnostic.ts';
import { federatedObjectAnnotation } from '../../../src/model/marks.ts';
import type { KubeObject } from '../../../src/model/types.ts';
import type { RenderResult } from '../../../src/render/render.ts';
import { buildReport, type ReportInput, type StatusReport } from '../../../src/report/build-report.ts';
import { formatReportMarkdown } from '../../../src/report/format-report-markdown.ts';
import { formatReportYaml } from '../../../src/report/format-report-yaml.ts';
import { render } from '../../../src/render/render.ts';
import { loadRepo } from '../../../src/source/load-repo.ts';
import { badRevision, fabricateLive, goodRevision, quickstart, quickstartInput } from './report-inputs.ts';
import path from 'node:path';

const golden = (name: string) => path.resolve(import.meta.dirname, '../../../fixtures/golden', name);

function both(report: StatusReport): string {
  return `${formatReportYaml(report)}\n---8<---\n${formatReportMarkdown(report)}`;
}

// ---- small hand-made inputs ---------------------------------------------------------------------------

function object(kind: string, name: string, options: { namespace?: string; federated?: string; apiVersion?: string; body?: Record<string, unknown> } = {}): KubeObject {
  const namespace = options.namespace ?? (kind === 'Namespace' ? undefined : 'shop');
  return {
    apiVersion: options.apiVersion ?? 'v1',
    kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      labels: { 'kubefed.io/managed': 'true' },
      annotations: {
        [federatedObjectAnnotation]: options.federated ?? `Federated${kind}/${namespace ? `${namespace}/` : ''}${name}`,
        'gitfed.io/instance': 'gitfed',
      },
    },
    ...options.body,
  };
}

function rendered(clusters: Record<string, KubeObject[]>, diagnostics: Diagnostic[] = []): RenderResult {
  return { revision: goodRevision, clusters, diagnostics, replicas: [] };
}

function input(parts: Partial<ReportInput> & Pick<ReportInput, 'rendered'>): ReportInput {
  return {
    revision: goodRevision,
    clusters: Object.keys(parts.rendered.clusters).map((name) => ({ name, ready: true })),
    ...parts,
  };
}

function liveOf(entries: MemberStatus['objects'], reachable = true): MemberStatus {
  return { reachable, objects: entries, counts: { Current: 0, Failed: 0, InProgress: 0, NotFound: 0, Terminating: 0, Unknown: 0 } };
}

describe('buildReport: the quickstart', () => {
  it('matches the golden report.yaml and README.md of a pass with trouble in it', async () => {
    const report = buildReport(await quickstartInput());
    await expect(formatReportYaml(report)).toMatchFileSnapshot(golden('report.quickstart.yaml'));
    await expect(formatReportMarkdown(report)).toMatchFileSnapshot(golden('report.quickstart.md'));
  });

  it('marks the unreachable member, the drift, the failed rollout and the bad override', async () => {
    const report = buildReport(await quickstartInput());
    expect(report).toMatchObject({ apiVersion: 'gitfed.io/v1alpha1', kind: 'StatusReport', source: { revision: goodRevision } });
    expect(report.clusters.map((c) => [c.name, c.ready])).toEqual([['member1', true], ['member2', true], ['member3', false]]);
    const cell = (id: string, cluster: string) =>
      report.resources.find((r) => `${r.kind}/${r.namespace}/${r.name}` === id)?.clusters.find((c) => c.name === cluster);
    expect(cell('Deployment/shop/api', 'member2')).toMatchObject({ propagation: 'ClusterPropagationOK', health: 'Failed', replicas: '0/1' });
    expect(cell('ConfigMap/shop/web-config', 'member2')).toMatchObject({ propagation: 'ApplyOverridesFailed', health: 'Unknown' });
    expect(cell('Deployment/shop/api', 'member3')).toEqual({ name: 'member3', propagation: 'ClusterNotReady', health: 'Unknown' });
    expect(cell('Deployment/shop/web', 'member3')).toBeUndefined(); // not placed: env=prod only
    expect(report.drift).toEqual([
      { cluster: 'member1', corrected: 2, objects: [{ id: 'Deployment/shop/web', fields: ['spec.replicas'] }, { id: 'Secret/shop/web-session' }] },
    ]);
    expect(report.pruning).toEqual([
      { cluster: 'member2', kind: 'ConfigMap', namespace: 'shop', name: 'legacy-settings', propagation: 'WaitingForRemoval', message: 'deletion accepted; waiting for finalizers' },
    ]);
    expect(report.errors).toEqual([
      expect.objectContaining({ code: 'ApplyOverridesFailed', file: 'apps/web-config.yaml', line: 23, cluster: 'member2', resource: 'ConfigMap/shop/web-config' }),
    ]);
    expect(report.replicaSplits).toEqual([
      { preference: 'shop/api', target: 'FederatedDeployment/shop/api', totalReplicas: 6, clusters: { member1: 3, member2: 1, member3: 2 } },
    ]);
  });

  it('never carries the quickstart Secret value, written or base64-encoded', async () => {
    const text = both(buildReport(await quickstartInput()));
    expect(text).not.toContain('not-a-real-secret');
    expect(text).not.toContain(Buffer.from('not-a-real-secret').toString('base64'));
    expect(text).not.toContain('session-key');
  });
});

describe('buildReport: a revision that could not be applied', () => {
  async function failedInput(): Promise<ReportInput> {
    const model = await loadRepo(quickstart);
    const good = render({ ...model, revision: goodRevision });
    const invalid = [
      ...(await loadRepo(path.resolve(quickstart, '../invalid/schema-error'))).diagnostics,
      ...(await loadRepo(path.resolve(quickstart, '../invalid/yaml-syntax'))).diagnostics,
      warning('DocumentIgnored', 'not a federated object; ignored', { file: 'notes.yaml', line: 1 }),
    ];
    return {
      revision: goodRevision,
      failed: {
        revision: badRevision,
        stage: 'ManifestInvalid',
        message: `${invalid.filter((d) => d.severity === 'error').length} errors in the manifests; nothing from this revision was applied`,
        diagnostics: invalid,
      },
      clusters: ['member1', 'member2', 'member3'].map((name) => ({ name, ready: true })),
      rendered: good,
      // Nothing applied this pass; the health read-back of the revision in force still happened.
      live: fabricateLive(good, []),
    };
  }

  it('matches the golden report with the failure box', async () => {
    const report = buildReport(await failedInput());
    await expect(formatReportYaml(report)).toMatchFileSnapshot(golden('report.failure.yaml'));
    await expect(formatReportMarkdown(report)).toMatchFileSnapshot(golden('report.failure.md'));
  });

  it('keeps the last good revision as the source and lists the errors of the bad one with file:line', async () => {
    const report = buildReport(await failedInput());
    expect(report.source.revision).toBe(goodRevision);
    expect(report.failure).toMatchObject({ revision: badRevision, stage: 'ManifestInvalid' });
    expect(report.failure?.errors.map((e) => `${e.file}:${e.line} ${e.code}`)).toEqual([
      'deployment.yaml:15 YamlSyntax',
      'overrides.yaml:14 SchemaInvalid',
      'placement.yaml:14 SchemaInvalid',
      'rsp.yaml:8 SchemaInvalid',
    ]);
    const markdown = formatReportMarkdown(report);
    expect(markdown).toContain('> [!CAUTION]');
    expect(markdown).toContain('> - overrides.yaml:14 **SchemaInvalid**');
    expect(markdown).toContain('Revision 3f2a9c1d8e7b stays in force.');
  });

  it('takes propagation from the read-back when nothing was applied', async () => {
    const report = buildReport(await failedInput());
    const api = report.resources.find((r) => r.kind === 'Deployment' && r.name === 'api');
    expect(api?.clusters).toEqual([
      { name: 'member1', propagation: 'ClusterPropagationOK', health: 'Current', replicas: '3/3' },
      { name: 'member2', propagation: 'ClusterPropagationOK', health: 'Failed', replicas: '0/1', message: expect.stringContaining('Progress deadline') },
      { name: 'member3', propagation: 'ClusterPropagationOK', health: 'Current', replicas: '2/2' },
    ]);
  });

  it('reports a revision that could not be fetched, without errors', () => {
    const report = buildReport({
      ...input({ rendered: rendered({ a: [] }) }),
      failed: { revision: null, stage: 'SourceFetchFailed', message: 'connect ECONNREFUSED 127.0.0.1:8080', diagnostics: [] },
    });
    expect(report.failure).toEqual({ revision: null, stage: 'SourceFetchFailed', message: 'connect ECONNREFUSED 127.0.0.1:8080', errors: [] });
    expect(formatReportYaml(report)).toContain('failure:\n  revision: null\n  stage: SourceFetchFailed\n');
    expect(formatReportMarkdown(report)).toContain('**The newest revision could not be applied** (SourceFetchFailed)');
  });
});

describe('buildReport: determinism', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives byte-identical output for the same input, whatever the clock says', async () => {
    const data = await quickstartInput();
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const first = both(buildReport(data));
    vi.setSystemTime(new Date('2031-06-15T12:34:56Z'));
    const second = both(buildReport(structuredClone(data)));
    expect(second).toBe(first);
  });

  it('gives byte-identical output however the input lists and maps are ordered', async () => {
    const data = await quickstartInput();
    const expected = both(buildReport(data));
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(both(buildReport(shuffleInput(data, seed)))).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });
});

describe('buildReport: Secret safety', () => {
  const value = 'hunter2-correct-horse';
  const encoded = Buffer.from(value).toString('base64');
  const other = 'p4ss-w0rd-from-stringData';
  const secret = object('Secret', 'db-credentials', { body: { type: 'Opaque', data: { password: encoded }, stringData: { token: other } } });

  function secretInput(): ReportInput {
    const config = object('ConfigMap', 'settings');
    const applied: ApplyReport = {
      revision: goodRevision,
      clusters: {
        a: {
          reachable: true,
          changes: [
            {
              id: 'Secret/shop/db-credentials',
              action: 'skipped',
              propagation: 'UpdateFailed',
              message: `Secret "db-credentials" is invalid: data[password]: Invalid value: "${value}": must be base64\nsecond line ${encoded}`,
            },
            { id: 'ConfigMap/shop/settings', action: 'configured', propagation: 'ClusterPropagationOK', fields: ['data.url'], drift: true },
          ],
        },
        b: {
          reachable: true,
          changes: [
            { id: 'Secret/shop/db-credentials', action: 'configured', propagation: 'ClusterPropagationOK', fields: ['data.password', 'stringData.token'], drift: true },
            { id: 'ConfigMap/shop/settings', action: 'skipped', propagation: 'UpdateFailed', message: `admission webhook denied: value ${other} looks like a password` },
          ],
        },
      },
    };
    return input({
      rendered: rendered({ a: [config, secret], b: [config, secret] }, [
        warning('FinalizersNotSupported', `template mentions ${value}`, { file: 'secret.yaml', line: 3, resource: 'Secret/shop/db-credentials' }),
      ]),
      applied,
      live: {
        a: liveOf([{ id: 'Secret/shop/db-credentials', propagation: 'ClusterPropagationOK', health: { status: 'InProgress', message: `waiting for ${value}` } }]),
      },
    });
  }

  it('never puts a rendered Secret value in report.yaml or README.md, raw, base64 or decoded', () => {
    const report = buildReport(secretInput());
    const text = both(report);
    for (const needle of [value, encoded, other, Buffer.from(other).toString('base64')]) expect(text).not.toContain(needle);
    expect(text).toContain('[redacted]');
  });

  it('drops the field list of a corrected Secret but keeps those of other objects', () => {
    const report = buildReport(secretInput());
    expect(report.drift).toEqual([
      { cluster: 'a', corrected: 1, objects: [{ id: 'ConfigMap/shop/settings', fields: ['data.url'] }] },
      { cluster: 'b', corrected: 1, objects: [{ id: 'Secret/shop/db-credentials' }] },
    ]);
  });

  it('hides values the apiserver quotes in a Secret error even when gitfed never rendered them', () => {
    const report = buildReport(
      input({
        rendered: rendered({ a: [secret] }),
        applied: {
          revision: goodRevision,
          clusters: {
            a: {
              reachable: true,
              changes: [
                {
                  id: 'Secret/shop/db-credentials',
                  action: 'skipped',
                  propagation: 'UpdateFailed',
                  message: '.data.extra: expected string, got &value.valueUnstructured{Value:"live-only-value"}',
                },
              ],
            },
          },
        },
      }),
    );
    expect(both(report)).not.toContain('live-only-value');
  });

  it('copies no object body: only ids, states and messages', () => {
    const report = buildReport(secretInput());
    const yaml = formatReportYaml(report);
    expect(yaml).not.toMatch(/\b(data|stringData|spec|metadata|type): /);
  });
});

describe('buildReport: rules', () => {
  it('prefers a render error to the apply, and an apply problem to the read-back', () => {
    const web = object('Deployment', 'web', { apiVersion: 'apps/v1' });
    const report = buildReport(
      input({
        rendered: rendered({ a: [], b: [web], c: [web] }, [
          error('ApplyOverridesFailed', 'bad path', { cluster: 'a', resource: 'Deployment/shop/web', file: 'web.yaml', line: 9 }),
        ]),
        applied: {
          revision: goodRevision,
          clusters: {
            b: { reachable: true, changes: [{ id: 'Deployment/shop/web', action: 'skipped', propagation: 'AlreadyExists', message: 'managed by gitfed instance "other"' }] },
            c: { reachable: true, changes: [{ id: 'Deployment/shop/web', action: 'created', propagation: 'ClusterPropagationOK' }] },
          },
        },
        live: {
          b: liveOf([{ id: 'Deployment/shop/web', propagation: 'ClusterPropagationOK', health: { status: 'Current', message: 'ok' } }]),
          c: liveOf([{ id: 'Deployment/shop/web', propagation: 'ManagedLabelFalse', health: { status: 'Current', message: 'ok' } }]),
        },
      }),
    );
    expect(report.resources[0]?.clusters).toEqual([
      { name: 'a', propagation: 'ApplyOverridesFailed', health: 'Unknown', message: 'bad path' },
      { name: 'b', propagation: 'AlreadyExists', health: 'Current', message: 'managed by gitfed instance "other"' },
      { name: 'c', propagation: 'ManagedLabelFalse', health: 'Current' },
    ]);
  });

  it('shares one frozen cell among a cluster\'s alike cells, and never between clusters or with a message', () => {
    const objects = ['a', 'b', 'c'].map((name) => object('ConfigMap', name));
    const current = (id: string) => ({ id, propagation: 'ClusterPropagationOK' as const, health: { status: 'Current' as const, message: 'ok' } });
    const ids = objects.map((o) => `ConfigMap/shop/${o.metadata.name}`);
    const report = buildReport(
      input({
        rendered: rendered({ x: objects, y: objects }),
        applied: {
          revision: goodRevision,
          clusters: {
            x: { reachable: true, changes: ids.map((id) => ({ id, action: 'unchanged' as const, propagation: 'ClusterPropagationOK' as const })) },
            y: { reachable: true, changes: ids.map((id, i) => ({ id, action: 'skipped' as const, propagation: i === 2 ? ('UpdateFailed' as const) : ('ClusterPropagationOK' as const), ...(i === 2 ? { message: 'denied' } : {}) })) },
          },
        },
        live: { x: liveOf(ids.map(current)), y: liveOf(ids.map(current)) },
      }),
    );
    const cells = report.resources.map((resource) => resource.clusters);
    expect(cells).toHaveLength(3);
    const [a, b, c] = cells as [typeof cells[0], typeof cells[0], typeof cells[0]];
    expect(a[0]).toBe(b[0]);
    expect(a[0]).toBe(c[0]);
    expect(Object.isFrozen(a[0])).toBe(true);
    expect(() => ((a[0] as { health: string }).health = 'Failed')).toThrow(TypeError);
    expect(a[0]).not.toBe(a[1]);
    expect(a[1]).toBe(b[1]);
    expect(c[1]).not.toBe(a[1]);
    expect(c[1]).toEqual({ name: 'y', propagation: 'UpdateFailed', health: 'Current', message: 'denied' });
    expect(report.clusters.find((cluster) => cluster.name === 'y')?.counts).toMatchObject({ objects: 3, Current: 3, UpdateFailed: 1, errors: 1 });
    expect(report.summary).toMatchObject({ objects: 6, current: 6, propagationErrors: 1 });
  });

  it('names a member object by the lowest federated object that renders it, in whichever cluster and place', () => {
    const mine = object('ConfigMap', 'same', { federated: 'FederatedConfigMap/shop/b-second' });
    const theirs = object('ConfigMap', 'same', { federated: 'FederatedConfigMap/shop/a-first' });
    const other = object('ConfigMap', 'other');
    for (const clusters of [{ x: [other, mine], y: [other, theirs] }, { x: [other, theirs], y: [other, mine] }, { x: [mine], y: [other, theirs] }]) {
      const report = buildReport(input({ rendered: rendered(clusters) }));
      const same = report.resources.find((resource) => resource.name === 'same');
      expect(same?.federatedObject).toBe('FederatedConfigMap/shop/a-first');
      expect(same?.clusters.map((cell) => cell.name)).toEqual(['x', 'y']);
    }
  });

  it('names an object that rendered nowhere the KubeFed way', () => {
    const report = buildReport(
      input({
        rendered: rendered({ a: [] }, [error('ApplyOverridesFailed', 'duplicate cluster', { cluster: 'a', resource: 'Namespace/shop' })]),
      }),
    );
    expect(report.resources).toEqual([
      { kind: 'Namespace', name: 'shop', federatedObject: 'FederatedNamespace/shop/shop', clusters: [expect.objectContaining({ name: 'a', propagation: 'ApplyOverridesFailed' })] },
    ]);
  });

  it('counts every health state, zeros included, with one key per propagation problem and errors last', () => {
    const report = buildReport(
      input({
        rendered: rendered({ a: [object('ConfigMap', 'one'), object('ConfigMap', 'two')] }),
        applied: {
          revision: goodRevision,
          clusters: {
            a: {
              reachable: true,
              changes: [
                { id: 'ConfigMap/shop/one', action: 'skipped', propagation: 'UpdateFailed', message: 'conflict' },
                { id: 'ConfigMap/shop/two', action: 'unchanged', propagation: 'ClusterPropagationOK' },
              ],
            },
          },
        },
      }),
    );
    const counts = report.clusters[0]?.counts;
    expect(Object.keys(counts ?? {})).toEqual(['objects', 'Current', 'Failed', 'InProgress', 'NotFound', 'Terminating', 'Unknown', 'UpdateFailed', 'errors']);
    expect(counts).toMatchObject({ objects: 2, Unknown: 2, UpdateFailed: 1, errors: 1 });
  });

  it('treats a cluster missing from clusters[] as not ready, and a member it cannot see as ClusterNotReady', () => {
    const report = buildReport({
      revision: goodRevision,
      clusters: [],
      rendered: rendered({ a: [object('ConfigMap', 'one')] }),
    });
    expect(report.clusters).toEqual([expect.objectContaining({ name: 'a', ready: false })]);
    expect(report.resources[0]?.clusters[0]).toEqual({ name: 'a', propagation: 'ClusterNotReady', health: 'Unknown' });
  });

  it('says PropagationUnknown, not an error, when neither the apply nor the read-back mentions an object', () => {
    const report = buildReport(input({ rendered: rendered({ a: [object('ConfigMap', 'one')] }), live: { a: liveOf([]) } }));
    expect(report.resources[0]?.clusters).toEqual([{ name: 'a', propagation: 'PropagationUnknown', health: 'Unknown' }]);
    expect(report.clusters[0]?.counts.errors).toBe(0);
    expect(report.summary.propagationErrors).toBe(0);
  });

  it('lists pruned objects only while they are not confirmed gone', () => {
    const report = buildReport(
      input({
        rendered: rendered({ a: [] }),
        applied: {
          revision: goodRevision,
          clusters: {
            a: {
              reachable: true,
              changes: [
                { id: 'ConfigMap/shop/gone', action: 'deleted', propagation: 'ClusterPropagationOK' },
                { id: 'ConfigMap/shop/kept', action: 'deleted', propagation: 'Orphaned' },
                { id: 'ConfigMap/shop/forgotten', action: 'skipped', propagation: 'NotManaged' },
                { id: 'ConfigMap/shop/stuck', action: 'skipped', propagation: 'DeletionFailed', message: 'forbidden' },
                { id: 'ClusterRole/reader', action: 'skipped', propagation: 'DeletionGuarded', message: 'held' },
              ],
            },
          },
        },
      }),
    );
    expect(report.pruning).toEqual([
      { cluster: 'a', kind: 'ClusterRole', name: 'reader', propagation: 'DeletionGuarded', message: 'held' },
      { cluster: 'a', kind: 'ConfigMap', namespace: 'shop', name: 'stuck', propagation: 'DeletionFailed', message: 'forbidden' },
    ]);
  });

  it('keeps messages to one line of bounded length', () => {
    const report = buildReport(
      input({
        rendered: rendered({ a: [] }, [warning('DocumentIgnored', `first line\n${'x'.repeat(10)}`), warning('DocumentIgnored', 'y'.repeat(2000))]),
      }),
    );
    expect(report.warnings.map((w) => w.message.length)).toEqual([10, 500]);
    expect(report.warnings[0]?.message).toBe('first line');
  });
});

/** A copy of the input with every list shuffled and every map's keys reordered, from one seed. */
function shuffleInput(data: ReportInput, seed: number): ReportInput {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const shuffle = <T>(list: readonly T[]): T[] => {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  const reorder = <T>(record: Readonly<Record<string, T>>, map: (value: T) => T = (v) => v): Record<string, T> =>
    Object.fromEntries(shuffle(Object.entries(record)).map(([key, value]) => [key, map(value)]));
  const copy = structuredClone(data);
  return {
    ...copy,
    clusters: shuffle(copy.clusters),
    rendered: {
      ...copy.rendered,
      clusters: reorder(copy.rendered.clusters, shuffle),
      diagnostics: shuffle(copy.rendered.diagnostics),
      replicas: shuffle(copy.rendered.replicas).map((split) => ({ ...split, clusters: reorder(split.clusters) })),
    },
    ...(copy.applied
      ? { applied: { ...copy.applied, clusters: reorder(copy.applied.clusters, (member) => ({ ...member, changes: shuffle(member.changes) })) } }
      : {}),
    ...(copy.live ? { live: reorder(copy.live, (member) => ({ ...member, objects: shuffle(member.objects) })) } : {}),
    ...(copy.driftCorrected ? { driftCorrected: reorder(copy.driftCorrected) } : {}),
  };
}

describe('steps that did not finish', () => {
  it('lists a member failure under its cluster and among the problems, and first in the README', async () => {
    const input = await quickstartInput();
    const applied = { revision: goodRevision, clusters: { member1: { reachable: true, changes: [], failures: [{ stage: 'InventorySaveFailed' as const, message: 'inventory not saved: ConfigMap is too long' }] } } };
    const report = buildReport({ ...input, applied, problems: [{ stage: 'HealthCheckFailed', message: 'read-back failed' }] });
    expect(report.clusters.find((cluster) => cluster.name === 'member1')?.failures).toEqual([{ stage: 'InventorySaveFailed', message: 'inventory not saved: ConfigMap is too long' }]);
    expect(report.problems).toEqual([
      { stage: 'HealthCheckFailed', message: 'read-back failed' },
      { stage: 'InventorySaveFailed', message: 'inventory not saved: ConfigMap is too long', cluster: 'member1' },
    ]);
    const markdown = formatReportMarkdown(report);
    expect(markdown).toContain('**member1** InventorySaveFailed: inventory not saved');
    expect(markdown.indexOf('Steps that did not finish')).toBeLessThan(markdown.indexOf('## Objects'));
    expect(markdown.split('\n')[0]).toContain('2 steps did not finish');
  });

  it('keeps the report free of problems when every step finished', async () => {
    const report = buildReport(await quickstartInput());
    expect(report.problems).toBeUndefined();
    expect(formatReportMarkdown(report)).not.toContain('did not finish');
  });
});

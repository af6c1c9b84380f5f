import { describe, expect, it } from 'vitest';
import type { CapiCluster } from '../../../src/model/capi-cluster.ts';
import { mergeMembers, withFleet } from '../../../src/model/merge-members.ts';
import { selectClusters } from '../../../src/render/select-clusters.ts';
import { clusterYaml, modelOf } from '../../support/repo.ts';

const capi = (name: string, namespace: string, labels: Record<string, string>, state: CapiCluster['state'] = 'Ready'): CapiCluster => ({
  name, namespace, labels, version: 'v1beta2', state, message: state === 'Ready' ? 'control plane available' : `state ${state}`,
});

const gitModel = modelOf({ 'clusters.yaml': clusterYaml('alpha', { tier: 'git' }) });

describe('mergeMembers', () => {
  it('makes a Ready Cluster a member with its labels, placed by a clusterSelector', () => {
    const fleet = mergeMembers([], [capi('west', 'fleet', { region: 'eu' })]);
    expect(fleet.clusters.map((c) => ({ name: c.name, labels: c.labels, source: c.annotations?.['gitfed.io/member-source'] }))).toEqual([
      { name: 'west', labels: { region: 'eu' }, source: 'capi/fleet' },
    ]);
    expect(selectClusters({ clusterSelector: { matchLabels: { region: 'eu' } } }, fleet.clusters).names).toEqual(['west']);
    expect(fleet.diagnostics).toEqual([]);
  });

  it('holds back clusters that are not Ready, listing them with their state', () => {
    const fleet = mergeMembers([], [capi('a', 'ns', {}, 'NotReady'), capi('b', 'ns', {}, 'Paused'), capi('c', 'ns', {}, 'Deleting'), capi('d', 'ns', {})]);
    expect(fleet.clusters.map((c) => c.name)).toEqual(['d']);
    expect(fleet.members.map((m) => [m.name, m.placed, m.capi?.state])).toEqual([
      ['a', false, 'NotReady'],
      ['b', false, 'Paused'],
      ['c', false, 'Deleting'],
      ['d', true, 'Ready'],
    ]);
  });

  it('refuses a name two namespaces use, naming both, and uses neither', () => {
    const fleet = mergeMembers([], [capi('east', 'team-b', {}), capi('east', 'team-a', {}), capi('west', 'team-a', {})]);
    expect(fleet.clusters.map((c) => c.name)).toEqual(['west']);
    expect(fleet.diagnostics).toHaveLength(1);
    expect(fleet.diagnostics[0]).toMatchObject({
      severity: 'error',
      code: 'MemberNameCollision',
      cluster: 'east',
      message: 'Cluster API clusters team-a/east and team-b/east have the same name; neither is used as member "east"',
    });
  });

  it('uses the labels of the Git document for a name both declare, with a warning', () => {
    const fleet = mergeMembers(gitModel.clusters, [capi('alpha', 'fleet', { tier: 'capi' })]);
    expect(fleet.clusters).toHaveLength(1);
    expect(fleet.clusters[0]).toMatchObject({ name: 'alpha', labels: { tier: 'git' }, annotations: { 'gitfed.io/member-source': 'capi/fleet' } });
    expect(fleet.diagnostics.map((d) => [d.severity, d.code, d.file])).toEqual([['warning', 'MemberLabelsFromGit', 'clusters.yaml']]);
    expect(fleet.members).toEqual([
      { name: 'alpha', source: 'capi/fleet', labels: { tier: 'git' }, placed: true, capi: { namespace: 'fleet', state: 'Ready', message: 'control plane available' } },
    ]);
  });

  it('keeps Git members that Cluster API does not know, sorted with the discovered ones', () => {
    const fleet = mergeMembers(gitModel.clusters, [capi('zulu', 'ns', {}), capi('beta', 'ns', {})]);
    expect(fleet.clusters.map((c) => c.name)).toEqual(['alpha', 'beta', 'zulu']);
    expect(fleet.members.map((m) => m.source)).toEqual(['git', 'capi/ns', 'capi/ns']);
  });

  it('drops a Cluster that is gone: it is simply no member any more', () => {
    const before = mergeMembers([], [capi('a', 'ns', {}), capi('b', 'ns', {})]);
    const after = mergeMembers([], [capi('b', 'ns', {})]);
    expect(before.clusters.map((c) => c.name)).toEqual(['a', 'b']);
    expect(after.clusters.map((c) => c.name)).toEqual(['b']);
    expect(after.diagnostics).toEqual([]);
  });

  it('withFleet puts the fleet into the model, diagnostics beside the loader’s', () => {
    const fleet = mergeMembers(gitModel.clusters, [capi('alpha', 'x', {}), capi('alpha', 'y', {})]);
    const model = withFleet(gitModel, fleet);
    expect(model.clusters.map((c) => c.name)).toEqual(['alpha']);
    expect(model.diagnostics.map((d) => d.code)).toEqual(['MemberNameCollision']);
  });
});

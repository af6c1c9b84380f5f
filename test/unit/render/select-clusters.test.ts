import { describe, expect, it } from 'vitest';
import type { Cluster, Placement } from '../../../src/model/types.ts';
import { matchesSelector, selectClusters } from '../../../src/render/select-clusters.ts';

const origin = { file: 'clusters.yaml', line: 1, column: 1, locate: () => ({ file: 'clusters.yaml', line: 1, column: 1 }) };
const clusters: Cluster[] = [
  { name: 'a', labels: { region: 'eu', env: 'prod' }, origin },
  { name: 'b', labels: { region: 'us', env: 'prod' }, origin },
  { name: 'c', labels: { region: 'eu' }, origin },
];
const select = (placement: Placement | null | undefined) => selectClusters(placement, clusters).names;

describe('selectClusters (spec §1.3)', () => {
  it('places nowhere when placement is missing or empty', () => {
    expect(select(undefined)).toEqual([]);
    expect(select(null)).toEqual([]);
    expect(select({})).toEqual([]);
  });

  it('selects every cluster for an empty selector, with or without empty matchLabels', () => {
    expect(select({ clusterSelector: {} })).toEqual(['a', 'b', 'c']);
    expect(select({ clusterSelector: { matchLabels: {} } })).toEqual(['a', 'b', 'c']);
  });

  it('selects nothing for a null selector', () => {
    expect(select({ clusterSelector: null })).toEqual([]);
  });

  it('lets a clusters list win over the selector, even an empty list', () => {
    expect(select({ clusters: [{ name: 'c' }], clusterSelector: { matchLabels: { env: 'prod' } } })).toEqual(['c']);
    expect(select({ clusters: [], clusterSelector: {} })).toEqual([]);
  });

  it('defers to the selector when clusters is null', () => {
    expect(select({ clusters: null, clusterSelector: { matchLabels: { region: 'eu' } } })).toEqual(['a', 'c']);
  });

  it('drops listed names that match no declared cluster and reports them', () => {
    const selection = selectClusters({ clusters: [{ name: 'zz' }, { name: 'b' }, { name: 'b' }] }, clusters);
    expect(selection).toEqual({ names: ['b'], unknown: ['zz'] });
  });

  it('ignores the clusters list in selector-only mode', () => {
    const placement = { clusters: [{ name: 'c' }], clusterSelector: { matchLabels: { env: 'prod' } } };
    expect(selectClusters(placement, clusters, { selectorOnly: true }).names).toEqual(['a', 'b']);
  });

  it('returns names sorted whatever the declaration order', () => {
    const reversed = [...clusters].reverse();
    expect(selectClusters({ clusterSelector: {} }, reversed).names).toEqual(['a', 'b', 'c']);
  });
});

describe('matchesSelector', () => {
  const labels = { region: 'eu', env: 'prod' };

  it('requires every matchLabels entry', () => {
    expect(matchesSelector({ matchLabels: { region: 'eu', env: 'prod' } }, labels)).toBe(true);
    expect(matchesSelector({ matchLabels: { region: 'eu', env: 'dev' } }, labels)).toBe(false);
  });

  it('matches In only when the key is present with a listed value', () => {
    expect(matchesSelector({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] }, labels)).toBe(false);
  });

  it('matches NotIn when the key is absent, as Kubernetes does', () => {
    expect(matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(false);
  });

  it('matches Exists and DoesNotExist on the key alone', () => {
    expect(matchesSelector({ matchExpressions: [{ key: 'region', operator: 'Exists' }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'region', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });

  it('ANDs matchLabels with every expression', () => {
    const selector = {
      matchLabels: { region: 'eu' },
      matchExpressions: [{ key: 'env', operator: 'In' as const, values: ['staging'] }],
    };
    expect(matchesSelector(selector, labels)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { blockingErrors, heldIds, isFullyApplied } from '../../src/apply/apply-all.ts';
import { error, warning } from '../../src/model/diagnostic.ts';

describe('what apply holds back', () => {
  it('holds an object in the cluster where it failed to render, and only there', () => {
    const held = heldIds([error('ApplyOverridesFailed', 'bad', { cluster: 'b', resource: 'Deployment/shop/web' })]);
    expect([...(held.get('b') ?? [])]).toEqual(['Deployment/shop/web']);
    expect(held.get('a')).toBeUndefined();
  });

  it('holds objects of a disabled type everywhere', () => {
    const held = heldIds([
      warning('TypeDisabled', 'off', { resource: 'Job/shop/migrate' }),
      error('ApplyOverridesFailed', 'bad', { cluster: 'b', resource: 'Deployment/shop/web' }),
    ]);
    expect([...(held.get('*') ?? [])]).toEqual(['Job/shop/migrate']);
    expect([...(held.get('b') ?? [])].sort()).toEqual(['Deployment/shop/web', 'Job/shop/migrate']);
  });

  it('blocks the whole revision on load errors but not on per-cluster render errors', () => {
    const loadError = error('SchemaInvalid', 'bad', { file: 'a.yaml', line: 3 });
    const renderError = error('ApplyOverridesFailed', 'bad', { cluster: 'b', resource: 'Deployment/shop/web' });
    expect(blockingErrors([loadError, renderError, warning('DocumentIgnored', 'x')])).toEqual([loadError]);
  });

  it('calls an apply complete only when every member was reached and every object propagated', () => {
    const ok = { reachable: true, changes: [{ id: 'a', action: 'created' as const, propagation: 'ClusterPropagationOK' as const }] };
    expect(isFullyApplied({ revision: null, clusters: { a: ok } })).toBe(true);
    expect(isFullyApplied({ revision: null, clusters: { a: ok, b: { reachable: false, changes: [] } } })).toBe(false);
    const guarded = { reachable: true, changes: [{ id: 'x', action: 'skipped' as const, propagation: 'DeletionGuarded' as const }] };
    expect(isFullyApplied({ revision: null, clusters: { a: guarded } })).toBe(false);
  });
});

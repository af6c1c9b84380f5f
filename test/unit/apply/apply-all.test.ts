import { describe, expect, it } from 'vitest';
import { blockingErrors, isFullyApplied, memberFailureDiagnostics } from '../../../src/apply/apply-all.ts';
import { error, warning } from '../../../src/model/diagnostic.ts';

describe('what an apply counts as done', () => {
  it('blocks the whole revision on load errors but not on per-cluster render errors', () => {
    const loadError = error('SchemaInvalid', 'bad', { file: 'a.yaml', line: 3 });
    const renderError = error('ApplyOverridesFailed', 'bad', { cluster: 'b', resource: 'Deployment/shop/web' });
    expect(blockingErrors([loadError, renderError, warning('DocumentIgnored', 'x')])).toEqual([loadError]);
  });

  it('calls an apply complete only when every member was reached, every step finished and every object propagated', () => {
    const ok = { reachable: true, changes: [{ id: 'a', action: 'created' as const, propagation: 'ClusterPropagationOK' as const }] };
    expect(isFullyApplied({ revision: null, clusters: { a: ok } })).toBe(true);
    expect(isFullyApplied({ revision: null, clusters: { a: ok, b: { reachable: false, changes: [] } } })).toBe(false);
    const guarded = { reachable: true, changes: [{ id: 'x', action: 'skipped' as const, propagation: 'DeletionGuarded' as const }] };
    expect(isFullyApplied({ revision: null, clusters: { a: guarded } })).toBe(false);
    const unsaved = { ...ok, failures: [{ stage: 'InventorySaveFailed' as const, message: 'too long' }] };
    expect(isFullyApplied({ revision: null, clusters: { a: unsaved } })).toBe(false);
  });

  it('turns every member failure into an error naming the cluster and the stage reason', () => {
    const report = {
      revision: null,
      clusters: {
        a: { reachable: true, changes: [], failures: [{ stage: 'InventorySaveFailed' as const, message: 'too long' }] },
        b: { reachable: true, changes: [] },
      },
    };
    expect(memberFailureDiagnostics(report)).toEqual([{ severity: 'error', code: 'InventorySaveFailed', message: 'too long', cluster: 'a' }]);
  });
});

describe('deletions still finishing', () => {
  it('counts a deletion the member accepted and is still finishing as done, but not a failed one', () => {
    const waiting = { reachable: true, changes: [{ id: 'Namespace/shop', action: 'deleted' as const, propagation: 'WaitingForRemoval' as const }] };
    expect(isFullyApplied({ revision: null, clusters: { a: waiting } })).toBe(true);
    const failed = { reachable: true, changes: [{ id: 'Namespace/shop', action: 'skipped' as const, propagation: 'DeletionFailed' as const }] };
    expect(isFullyApplied({ revision: null, clusters: { a: failed } })).toBe(false);
  });
});

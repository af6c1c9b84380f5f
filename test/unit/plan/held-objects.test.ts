import { describe, expect, it } from 'vitest';
import { error, warning } from '../../../src/model/diagnostic.ts';
import { heldObjects } from '../../../src/plan/held-objects.ts';

const web = { id: 'Deployment/shop/web', groupKind: 'apps/Deployment', federated: 'FederatedDeployment/shop/web' };

describe('held objects (one rule for apply and plan)', () => {
  it('holds an object in the cluster where it failed to render, and only there', () => {
    const held = heldObjects({ diagnostics: [error('ApplyOverridesFailed', 'bad', { cluster: 'b', resource: web.id })] });
    expect(held.reason('b', web)).toBe('ApplyOverridesFailed');
    expect(held.reason('a', web)).toBeUndefined();
  });

  it('holds objects named by an error without a cluster, or of a disabled type, everywhere', () => {
    const held = heldObjects({
      diagnostics: [warning('TypeDisabled', 'off', { resource: 'Job/shop/migrate' }), error('SchemaInvalid', 'bad', { resource: web.id })],
    });
    expect(held.reason('a', { id: 'Job/shop/migrate', groupKind: 'batch/Job' })).toBe('TypeDisabled');
    expect(held.reason('z', web)).toBe('SchemaInvalid');
  });

  it('holds every object of a disabled kind, even one that left Git', () => {
    const held = heldObjects({ diagnostics: [], disabledKinds: ['batch/Job'] });
    expect(held.reason('a', { id: 'Job/shop/gone', groupKind: 'batch/Job' })).toBe('TypeDisabled');
    expect(held.reason('a', web)).toBeUndefined();
  });

  it('matches by the federated object when the diagnostic names that', () => {
    const held = heldObjects({ diagnostics: [error('ApplyOverridesFailed', 'bad', { cluster: 'a', resource: web.federated })] });
    expect(held.reason('a', web)).toBe('ApplyOverridesFailed');
    expect(held.reason('a', { id: web.id, groupKind: web.groupKind })).toBeUndefined();
  });

  it('never holds for warnings other than TypeDisabled', () => {
    const held = heldObjects({ diagnostics: [warning('UnknownPlacementCluster', 'x', { cluster: 'a', resource: web.id })] });
    expect(held.reason('a', web)).toBeUndefined();
  });
});

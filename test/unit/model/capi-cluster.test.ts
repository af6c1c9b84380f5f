import { describe, expect, it } from 'vitest';
import { readCapiCluster } from '../../../src/model/capi-cluster.ts';
import type { KubeObject } from '../../../src/model/types.ts';

function cluster(version: 'v1beta1' | 'v1beta2', extra: { spec?: object; status?: object; metadata?: object } = {}): KubeObject {
  return {
    apiVersion: `cluster.x-k8s.io/${version}`,
    kind: 'Cluster',
    metadata: { name: 'west', namespace: 'fleet', labels: { region: 'eu' }, ...extra.metadata },
    spec: extra.spec ?? {},
    status: extra.status ?? {},
  };
}

const condition = (type: string, status: string, more: object = {}) => ({ type, status, ...more });

describe('Cluster API readiness (v1beta2)', () => {
  it('is Ready when ControlPlaneAvailable is True', () => {
    expect(readCapiCluster(cluster('v1beta2', { status: { conditions: [condition('ControlPlaneAvailable', 'True')] } }))).toMatchObject({
      name: 'west', namespace: 'fleet', labels: { region: 'eu' }, version: 'v1beta2', state: 'Ready',
    });
  });

  it('is Ready when Available is True', () => {
    expect(readCapiCluster(cluster('v1beta2', { status: { conditions: [condition('Available', 'True')] } })).state).toBe('Ready');
  });

  it('is NotReady with the condition reason and message while the control plane is not available', () => {
    const read = readCapiCluster(
      cluster('v1beta2', { status: { conditions: [condition('ControlPlaneAvailable', 'False', { reason: 'NotAvailable', message: '0 of 3 machines' })] } }),
    );
    expect(read.state).toBe('NotReady');
    expect(read.message).toBe('control plane not available: ControlPlaneAvailable is False (NotAvailable): 0 of 3 machines');
  });

  it('is NotReady before CAPI has set any condition', () => {
    expect(readCapiCluster(cluster('v1beta2')).message).toBe('control plane not available: no ControlPlaneAvailable condition yet');
  });

  it('does not count v1beta1 signals on a v1beta2 object', () => {
    expect(readCapiCluster(cluster('v1beta2', { status: { phase: 'Provisioned', conditions: [condition('ControlPlaneReady', 'True')] } })).state).toBe('NotReady');
  });
});

describe('Cluster API readiness (v1beta1)', () => {
  it('is Ready when ControlPlaneReady is True', () => {
    expect(readCapiCluster(cluster('v1beta1', { status: { conditions: [condition('ControlPlaneReady', 'True')] } }))).toMatchObject({ version: 'v1beta1', state: 'Ready' });
  });

  it('is Ready in phase Provisioned', () => {
    expect(readCapiCluster(cluster('v1beta1', { status: { phase: 'Provisioned' } })).state).toBe('Ready');
  });

  it('names the phase when not ready', () => {
    const read = readCapiCluster(cluster('v1beta1', { status: { phase: 'Provisioning', conditions: [condition('ControlPlaneReady', 'False')] } }));
    expect(read).toMatchObject({ state: 'NotReady', message: 'control plane not available: ControlPlaneReady is False, phase Provisioning' });
  });
});

describe('paused and deleting clusters', () => {
  const ready = { conditions: [condition('ControlPlaneAvailable', 'True')] };

  it('is Paused with spec.paused, even with the control plane up', () => {
    expect(readCapiCluster(cluster('v1beta2', { spec: { paused: true }, status: ready })).state).toBe('Paused');
  });

  it('is Paused with the cluster.x-k8s.io/paused annotation', () => {
    const read = readCapiCluster(cluster('v1beta2', { metadata: { annotations: { 'cluster.x-k8s.io/paused': '' } }, status: ready }));
    expect(read).toMatchObject({ state: 'Paused', message: 'Cluster API has paused this cluster (annotation cluster.x-k8s.io/paused)' });
  });

  it('is Deleting once deletionTimestamp is set, before paused', () => {
    const read = readCapiCluster(cluster('v1beta2', { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, spec: { paused: true }, status: ready }));
    expect(read.state).toBe('Deleting');
  });
});

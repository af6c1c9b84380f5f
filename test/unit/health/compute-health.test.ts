import { describe, expect, it } from 'vitest';
import { computeHealth } from '../../../src/health/compute-health.ts';
import type { KubeObject } from '../../../src/model/types.ts';

function object(apiVersion: string, kind: string, rest: Record<string, unknown> = {}): KubeObject {
  const { metadata, ...fields } = rest;
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'ns', ...(metadata as object | undefined) }, ...fields };
}

const deployment = (spec: Record<string, unknown>, status: Record<string, unknown>, metadata = {}) =>
  object('apps/v1', 'Deployment', { metadata: { generation: 1, ...metadata }, spec, status: { observedGeneration: 1, ...status } });

describe('computeHealth rule chain', () => {
  it('reports NotFound when there is no live object', () => {
    expect(computeHealth(null)).toEqual({ status: 'NotFound', message: 'Object does not exist' });
    expect(computeHealth(undefined).status).toBe('NotFound');
  });

  it('reports Terminating before looking at generation or status', () => {
    const live = deployment({ replicas: 1 }, { observedGeneration: 0 }, { generation: 2, deletionTimestamp: '2025-03-01T12:00:00Z' });
    expect(computeHealth(live).status).toBe('Terminating');
  });

  it('ignores an empty deletionTimestamp', () => {
    const live = object('v1', 'ConfigMap', { metadata: { deletionTimestamp: '' } });
    expect(computeHealth(live).status).toBe('Current');
  });

  it('lets objects without observedGeneration pass the generation rule', () => {
    const live = object('v1', 'ConfigMap', { metadata: { generation: 3 } });
    expect(computeHealth(live)).toEqual({ status: 'Current', message: 'Resource is current' });
  });

  it('prefers Stalled over Reconciling whatever their order in the list', () => {
    const conditions = [
      { type: 'Reconciling', status: 'True', reason: 'Progressing' },
      { type: 'Stalled', status: 'True', reason: 'InvalidSpec', message: 'spec.url is not a URL' },
    ];
    const live = object('example.com/v1', 'Widget', { status: { conditions } });
    expect(computeHealth(live)).toEqual({ status: 'Failed', message: 'InvalidSpec: spec.url is not a URL' });
    const reversed = object('example.com/v1', 'Widget', { status: { conditions: [...conditions].reverse() } });
    expect(computeHealth(reversed).status).toBe('Failed');
  });

  it('lets Stalled decide even for kinds with a rule of their own', () => {
    const live = deployment({ replicas: 0 }, {
      conditions: [{ type: 'Stalled', status: 'True', reason: 'Blocked' }],
    });
    expect(computeHealth(live).status).toBe('Failed');
  });

  it('does not read the Ready condition of kinds with a rule of their own', () => {
    const live = object('v1', 'PersistentVolumeClaim', {
      status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(computeHealth(live).status).toBe('InProgress');
  });

  it('treats Ready=Unknown on a custom resource as InProgress', () => {
    const live = object('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } });
    expect(computeHealth(live)).toEqual({ status: 'InProgress', message: 'Not Ready: Ready is Unknown' });
  });

  it('applies the Deployment rule to the old extensions group too', () => {
    const live = object('extensions/v1beta1', 'Deployment', { spec: { replicas: 2 }, status: { replicas: 1 } });
    expect(computeHealth(live)).toMatchObject({ status: 'InProgress', message: 'Replicas: 1/2' });
  });

  it('does not wait for a Progressing condition when there is no progress deadline', () => {
    const live = deployment({ replicas: 1 }, {
      replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1,
      conditions: [{ type: 'Available', status: 'True' }],
    });
    expect(computeHealth(live).status).toBe('Current');
  });

  it('defaults spec.replicas to 1', () => {
    const live = deployment({}, {});
    expect(computeHealth(live)).toMatchObject({ status: 'InProgress', message: 'Replicas: 0/1' });
  });

  it('keeps an unschedulable Pod InProgress when no time is given', () => {
    const live = object('v1', 'Pod', {
      metadata: { creationTimestamp: '2025-03-01T10:00:00Z' },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
    });
    expect(computeHealth(live).status).toBe('InProgress');
    expect(computeHealth(live, { now: '2025-03-01T10:00:15Z' }).status).toBe('InProgress');
    expect(computeHealth(live, { now: '2025-03-01T10:00:16Z' }).status).toBe('Failed');
  });

  it('reads fields of the wrong type as absent instead of throwing', () => {
    const live = object('apps/v1', 'Deployment', {
      spec: { replicas: '3' },
      status: { replicas: 'many', conditions: 'none' },
    });
    expect(computeHealth(live)).toMatchObject({ status: 'InProgress', message: 'Replicas: 0/1' });
  });
});

describe('replica counts', () => {
  it('reports desired, ready, available and updated pods of a Deployment', () => {
    const live = deployment({ replicas: 3 }, { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 2 });
    expect(computeHealth(live).replicas).toEqual({ desired: 3, ready: 3, available: 2, updated: 1 });
  });

  it('keeps the counts when another rule decides the status first', () => {
    const live = deployment({ replicas: 2 }, { observedGeneration: 1, readyReplicas: 2 }, { generation: 2 });
    expect(computeHealth(live)).toMatchObject({ status: 'InProgress', replicas: { desired: 2, ready: 2 } });
  });

  it('counts every pod of a ReplicaSet as updated', () => {
    const live = object('apps/v1', 'ReplicaSet', {
      spec: { replicas: 2 }, status: { replicas: 2, readyReplicas: 1, availableReplicas: 1 },
    });
    expect(computeHealth(live).replicas).toEqual({ desired: 2, ready: 1, available: 1, updated: 2 });
  });

  it('uses ready pods as available for a StatefulSet that does not report availableReplicas', () => {
    const live = object('apps/v1', 'StatefulSet', {
      spec: { replicas: 3 }, status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3 },
    });
    expect(computeHealth(live).replicas).toEqual({ desired: 3, ready: 2, available: 2, updated: 3 });
  });

  it('takes a DaemonSet\'s desired count from the nodes it should run on', () => {
    const live = object('apps/v1', 'DaemonSet', {
      metadata: { generation: 1 },
      status: {
        observedGeneration: 1, desiredNumberScheduled: 5, currentNumberScheduled: 5,
        updatedNumberScheduled: 4, numberAvailable: 3, numberReady: 4,
      },
    });
    expect(computeHealth(live)).toMatchObject({
      status: 'InProgress',
      replicas: { desired: 5, ready: 4, available: 3, updated: 4 },
    });
  });

  it('gives no counts for kinds that are not workloads', () => {
    expect(computeHealth(object('v1', 'Service', { spec: { type: 'ClusterIP' } }))).not.toHaveProperty('replicas');
    expect(computeHealth(object('batch/v1', 'Job', { status: { startTime: '2025-03-01T10:00:00Z' } })))
      .not.toHaveProperty('replicas');
  });
});

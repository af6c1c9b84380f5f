import { describe, expect, it } from 'vitest';
import { exportConditions, conditionsChanged } from '../../../src/mcs/export-conditions.ts';
import { mergeExports, type MemberExport } from '../../../src/mcs/merge-exports.ts';
import { planImports, type MemberObservation } from '../../../src/mcs/plan-imports.ts';
import { ownedBy, planMemberWrites } from '../../../src/mcs/plan-member-writes.ts';
import type { KubeObject } from '../../../src/model/types.ts';

type Port = { name?: string; port: number; protocol?: string; appProtocol?: string };

function service(spec: { ports: Port[]; clusterIP?: string; type?: string; sessionAffinity?: string }, name = 'web'): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec };
}
function exportOf(created: string, name = 'web'): KubeObject {
  return { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name, namespace: 'shop', creationTimestamp: created, generation: 1 } };
}
function slice(name: string, service: string, addresses: { ip: string; ready?: boolean }[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: addresses.map((a) => ({ addresses: [a.ip], conditions: a.ready === undefined ? {} : { ready: a.ready } })),
  };
}
const member = (cluster: string, parts: Partial<MemberObservation> = {}): MemberObservation => ({
  cluster, served: true, clusterPropertyServed: false, exports: [], services: [], endpointSlices: [], ...parts,
});
const constituent = (cluster: string, created: string, svc: KubeObject | null): MemberExport => ({ cluster, export: exportOf(created), service: svc });

describe('mergeExports (KEP-1645 conflict resolution)', () => {
  it('unions the ports of the constituent services', () => {
    const [merged] = mergeExports([
      constituent('m1', '2026-01-01T00:00:00Z', service({ ports: [{ name: 'http', port: 80 }] })),
      constituent('m2', '2026-01-02T00:00:00Z', service({ ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] })),
    ]);
    expect(merged!.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'metrics', protocol: 'TCP', port: 9090 }]);
    expect(merged!.conflicts).toEqual([]);
    expect(merged!.exporters).toEqual(['m1', 'm2']);
  });

  it('keeps the oldest export\'s port when a name is taken by another port, and calls it a PortConflict', () => {
    const [merged] = mergeExports([
      constituent('m2', '2026-01-01T00:00:00Z', service({ ports: [{ name: 'http', port: 81 }] })),
      constituent('m1', '2026-01-05T00:00:00Z', service({ ports: [{ name: 'http', port: 80 }] })),
    ]);
    expect(merged!.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 81 }]);
    expect(merged!.conflicts).toEqual(['PortConflict']);
    expect(merged!.conflictMessages.join()).toContain('m2');
    expect(merged!.exporters).toEqual(['m2', 'm1']);
  });

  it('merges by name first, then by protocol and number: the same port under another name conflicts', () => {
    const [merged] = mergeExports([
      constituent('m1', '2026-01-01T00:00:00Z', service({ ports: [{ name: 'http', port: 80 }] })),
      constituent('m2', '2026-01-02T00:00:00Z', service({ ports: [{ name: 'web', port: 80 }, { name: 'dns', port: 80, protocol: 'UDP' }] })),
    ]);
    expect(merged!.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'dns', protocol: 'UDP', port: 80 }]);
    expect(merged!.conflicts).toEqual(['PortConflict']);
  });

  it('treats a differing appProtocol under the same name as a conflict', () => {
    const [merged] = mergeExports([
      constituent('m1', '2026-01-01T00:00:00Z', service({ ports: [{ name: 'http', port: 80, appProtocol: 'http' }] })),
      constituent('m2', '2026-01-02T00:00:00Z', service({ ports: [{ name: 'http', port: 80, appProtocol: 'h2c' }] })),
    ]);
    expect(merged!.conflicts).toEqual(['PortConflict']);
    expect(merged!.ports).toEqual([{ name: 'http', protocol: 'TCP', appProtocol: 'http', port: 80 }]);
  });

  it('decides headlessness and session affinity by the oldest export and reports both conflicts', () => {
    const [merged] = mergeExports([
      constituent('m1', '2026-01-03T00:00:00Z', service({ ports: [{ port: 80 }], sessionAffinity: 'ClientIP' })),
      constituent('m2', '2026-01-01T00:00:00Z', service({ ports: [{ port: 80 }], clusterIP: 'None' })),
    ]);
    expect(merged!.type).toBe('Headless');
    expect(merged!.conflicts).toEqual(['SessionAffinityConflict', 'TypeConflict']);
  });

  it('leaves out exports without a Service or of an ExternalName Service', () => {
    const [merged] = mergeExports([
      constituent('m1', '2026-01-01T00:00:00Z', null),
      constituent('m2', '2026-01-02T00:00:00Z', service({ ports: [{ port: 1 }], type: 'ExternalName' })),
      constituent('m3', '2026-01-03T00:00:00Z', service({ ports: [{ name: 'http', port: 80 }] })),
    ]);
    expect(merged!.exporters).toEqual(['m3']);
    expect(merged!.invalid.m1?.reason).toBe('NoService');
    expect(merged!.invalid.m2?.reason).toBe('InvalidServiceType');
  });

  it('is the same whatever order the members come in', () => {
    const a = constituent('m1', '2026-01-01T00:00:00Z', service({ ports: [{ name: 'http', port: 80 }] }));
    const b = constituent('m2', '2026-01-01T00:00:00Z', service({ ports: [{ name: 'http', port: 81 }] }));
    expect(mergeExports([b, a])).toEqual(mergeExports([a, b]));
    expect(mergeExports([a, b])[0]!.ports[0]!.port).toBe(80); // equal timestamps: cluster name decides
  });
});

describe('planImports', () => {
  const exporters = [
    member('m1', {
      exports: [exportOf('2026-01-01T00:00:00Z')],
      services: [service({ ports: [{ name: 'http', port: 80 }] })],
      endpointSlices: [slice('web-abc', 'web', [{ ip: '10.1.0.1' }, { ip: '10.1.0.2', ready: false }]), slice('other-x', 'other', [{ ip: '10.1.9.9' }])],
    }),
    member('m2', {
      exports: [exportOf('2026-01-02T00:00:00Z')],
      services: [service({ ports: [{ name: 'http', port: 80 }] })],
      endpointSlices: [slice('web-def', 'web', [{ ip: '10.2.0.1' }])],
    }),
    member('m3', { clusterPropertyServed: true }),
    member('m4', { served: false }),
  ];

  it('gives every member serving the API the ServiceImport and one slice per exporting cluster of its ready endpoints', () => {
    const plan = planImports({ instance: 'gitfed', clusterSet: 'fleet', members: exporters });
    expect(plan.notServed).toEqual(['m4']);
    expect(Object.keys(plan.desired).sort()).toEqual(['m1', 'm2', 'm3']);
    const m3 = plan.desired.m3!;
    expect(m3.length).toBeGreaterThan(0);
    const kinds = m3.map((object) => `${object.kind}/${object.metadata.name}`);
    expect(kinds).toEqual([
      'ClusterProperty/cluster.clusterset.k8s.io', 'ClusterProperty/clusterset.k8s.io', 'ServiceImport/web', 'EndpointSlice/web-m1', 'EndpointSlice/web-m2',
    ]);
    const fromM1 = m3.find((object) => object.metadata.name === 'web-m1')!;
    expect(fromM1.metadata.labels).toMatchObject({ 'multicluster.kubernetes.io/service-name': 'web', 'multicluster.kubernetes.io/source-cluster': 'm1' });
    expect(fromM1.metadata.labels?.['kubernetes.io/service-name']).toBeUndefined();
    expect((fromM1.endpoints as { addresses: string[] }[]).map((e) => e.addresses[0])).toEqual(['10.1.0.1']);
    const imported = m3.find((object) => object.kind === 'ServiceImport')!;
    expect(imported.spec).toMatchObject({ type: 'ClusterSetIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
    expect(imported.status).toEqual({ clusters: [{ cluster: 'm1' }, { cluster: 'm2' }] });
    expect(m3.every((object) => ownedBy(object, 'gitfed'))).toBe(true);
    const [web] = plan.services;
    expect(web!.endpoints).toEqual([{ cluster: 'm1', ready: 1 }, { cluster: 'm2', ready: 1 }]);
    expect(web!.importers).toEqual(['m1', 'm2', 'm3']);
  });

  it('changes the hash of a slice when its endpoints change, and only that slice', () => {
    const before = planImports({ instance: 'gitfed', clusterSet: 'fleet', members: exporters });
    const scaled = exporters.map((m) => (m.cluster === 'm2' ? { ...m, endpointSlices: [slice('web-def', 'web', [])] } : m));
    const after = planImports({ instance: 'gitfed', clusterSet: 'fleet', members: scaled });
    const live = before.desired.m3!;
    const writes = planMemberWrites(after.desired.m3!, live, 'gitfed');
    expect(writes.apply.map((object) => object.metadata.name)).toEqual(['web-m2']);
    expect(writes.apply[0]!.endpoints).toEqual([]);
    expect(writes.unchanged).toBe(4);
  });

  it('plans nothing for a service with no valid export, so its imports are pruned', () => {
    const before = planImports({ instance: 'gitfed', clusterSet: 'fleet', members: exporters });
    const gone = planImports({ instance: 'gitfed', clusterSet: 'fleet', members: exporters.map((m) => ({ ...m, exports: [] })) });
    expect(gone.services).toEqual([]);
    const writes = planMemberWrites(gone.desired.m1!, before.desired.m1!, 'gitfed');
    expect(writes.delete.map((object) => object.kind)).toEqual(['EndpointSlice', 'EndpointSlice', 'ServiceImport']);
  });
});

describe('planMemberWrites', () => {
  it('never writes over or deletes an object gitfed did not write', () => {
    const plan = planImports({
      instance: 'gitfed',
      clusterSet: 'fleet',
      members: [member('m1', { exports: [exportOf('2026-01-01T00:00:00Z')], services: [service({ ports: [{ port: 80 }] })] })],
    });
    const foreign: KubeObject = { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name: 'web', namespace: 'shop' } };
    const foreignStale: KubeObject = { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name: 'old', namespace: 'shop' } };
    const writes = planMemberWrites(plan.desired.m1!, [foreign, foreignStale], 'gitfed');
    expect(writes.held.map((h) => h.object.kind)).toEqual(['ServiceImport']);
    expect(writes.apply.every((object) => object.kind !== 'ServiceImport')).toBe(true);
    expect(writes.delete).toEqual([]);
    const other = planMemberWrites([], plan.desired.m1!, 'other-instance');
    expect(other.delete).toEqual([]);
  });
});

describe('exportConditions', () => {
  const [conflicted] = planImports({
    instance: 'gitfed',
    clusterSet: 'fleet',
    members: [
      member('m1', { exports: [exportOf('2026-01-01T00:00:00Z')], services: [service({ ports: [{ name: 'http', port: 80 }] })] }),
      member('m2', { exports: [exportOf('2026-01-02T00:00:00Z')], services: [service({ ports: [{ name: 'http', port: 8080 }] })] }),
    ],
  }).services;

  it('raises Conflict on every export of a conflicted service, the older one too', () => {
    for (const cluster of ['m1', 'm2']) {
      const conditions = exportConditions({ service: conflicted!, cluster, live: exportOf('x'), failedImporters: [], now: '2026-02-01T00:00:00Z' });
      expect(conditions.map((c) => `${c.type}=${c.status}:${c.reason}`)).toEqual(['Valid=True:Valid', 'Ready=True:Exported', 'Conflict=True:PortConflict']);
    }
  });

  it('says Pending while an importing member could not be written, and keeps transition times of unchanged conditions', () => {
    const first = exportConditions({ service: conflicted!, cluster: 'm1', live: exportOf('x'), failedImporters: [], now: '2026-02-01T00:00:00Z' });
    const live = { ...exportOf('x'), status: { conditions: first } };
    const next = exportConditions({ service: conflicted!, cluster: 'm1', live, failedImporters: ['m2'], now: '2026-02-02T00:00:00Z' });
    expect(next.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'Pending', lastTransitionTime: '2026-02-02T00:00:00Z' });
    expect(next.find((c) => c.type === 'Valid')!.lastTransitionTime).toBe('2026-02-01T00:00:00Z');
    expect(conditionsChanged(live, next)).toBe(true);
    expect(conditionsChanged(live, first)).toBe(false);
  });
});

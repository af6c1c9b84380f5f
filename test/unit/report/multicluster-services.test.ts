import { describe, expect, it } from 'vitest';
import { planImports } from '../../../src/mcs/plan-imports.ts';
import { summarizeServices } from '../../../src/mcs/summarize-services.ts';
import type { KubeObject } from '../../../src/model/types.ts';
import { buildReport } from '../../../src/report/build-report.ts';
import { formatReportMarkdown } from '../../../src/report/format-report-markdown.ts';
import { formatReportYaml } from '../../../src/report/format-report-yaml.ts';

const svc = (port: number): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ name: 'http', port }] } });
const exported = (created: string): KubeObject => ({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop', creationTimestamp: created } });
const slice: KubeObject = {
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.7'] }, { addresses: ['10.0.0.8'] }],
};
const base = { revision: 'abc', clusters: [{ name: 'm1', ready: true }], rendered: { revision: 'abc', clusters: {}, diagnostics: [], replicas: [] } };

describe('report: multicluster services', () => {
  const plan = planImports({
    instance: 'gitfed',
    clusterSet: 'fleet',
    members: [
      { cluster: 'm1', served: true, clusterPropertyServed: false, exports: [exported('2026-01-01T00:00:00Z')], services: [svc(80)], endpointSlices: [slice] },
      { cluster: 'm2', served: true, clusterPropertyServed: false, exports: [exported('2026-01-02T00:00:00Z')], services: [svc(81)], endpointSlices: [] },
      { cluster: 'm3', served: false, clusterPropertyServed: false, exports: [], services: [], endpointSlices: [] },
    ],
  });
  const summary = summarizeServices('fleet', plan, [{ cluster: 'm2', stage: 'ImportFailed', message: 'apply ServiceImport/shop/web on m2: refused' }]);

  it('lists per service the exporting members with endpoints, the importers, conflicts, and the members not served', () => {
    const report = buildReport({ ...base, multiclusterServices: summary });
    expect(report.multiclusterServices?.services.length).toBe(1);
    expect(report.multiclusterServices?.services[0]).toMatchObject({
      name: 'web', exporters: [{ cluster: 'm1', endpoints: 2 }, { cluster: 'm2', endpoints: 0 }], importers: ['m1', 'm2'], conflicts: ['PortConflict'], ports: ['http:80/TCP'],
    });
    expect(formatReportYaml(report)).toContain('multiclusterServices:');
    const markdown = formatReportMarkdown(report);
    expect(markdown).toContain('## Multi-cluster services (ClusterSet fleet)');
    expect(markdown).toContain('| shop/web | ClusterSetIP http:80/TCP | m1 (2), m2 (0) | m1, m2 | PortConflict |');
    expect(markdown).toContain('TypeNotServed (no multicluster.x-k8s.io/v1beta1): m3');
    expect(markdown).toContain('**m2** ImportFailed');
  });

  it('adds nothing when the feature is off', () => {
    const report = buildReport(base);
    expect(report.multiclusterServices).toBeUndefined();
    expect(formatReportMarkdown(report)).not.toContain('Multi-cluster services');
  });
});

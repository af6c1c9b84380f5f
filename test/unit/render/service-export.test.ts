import { describe, expect, it } from 'vitest';
import { find, federatedNamespaceYaml, renderFiles, threeClusters } from '../../support/repo.ts';

function federatedService(annotations: string, placement = 'clusters: [{name: a}, {name: b}]'): string {
  return `apiVersion: types.kubefed.io/v1beta1
kind: FederatedService
metadata:
  name: web
  namespace: shop
${annotations}
spec:
  template:
    spec:
      ports: [{port: 80}]
  placement:
    ${placement}
`;
}

describe('render: gitfed.io/export on a FederatedService (Multi-Cluster Services)', () => {
  it('renders a marked ServiceExport next to the Service in every member it is placed in', () => {
    const result = renderFiles({
      ...threeClusters,
      'ns.yaml': federatedNamespaceYaml('shop'),
      'svc.yaml': federatedService('  annotations:\n    gitfed.io/export: "true"'),
    });
    for (const cluster of ['a', 'b']) {
      const exported = find(result, cluster, 'ServiceExport', 'web');
      expect(exported?.apiVersion).toBe('multicluster.x-k8s.io/v1beta1');
      expect(exported?.metadata).toMatchObject({
        namespace: 'shop',
        labels: { 'kubefed.io/managed': 'true' },
        annotations: { 'gitfed.io/federated-object': 'FederatedService/shop/web', 'gitfed.io/instance': 'gitfed' },
      });
      expect(find(result, cluster, 'Service', 'web')).toBeDefined();
    }
    expect(find(result, 'c', 'ServiceExport', 'web')).toBeUndefined();
  });

  it('renders none without the annotation, or with another value', () => {
    for (const annotations of ['', '  annotations:\n    gitfed.io/export: "false"']) {
      const result = renderFiles({ ...threeClusters, 'ns.yaml': federatedNamespaceYaml('shop'), 'svc.yaml': federatedService(annotations) });
      expect(find(result, 'a', 'Service', 'web')).toBeDefined();
      expect(find(result, 'a', 'ServiceExport', 'web')).toBeUndefined();
    }
  });
});

/**
 * The `gitfed.io/export: "true"` shortcut on a FederatedService: a Multi-Cluster Services ServiceExport of the
 * same namespace/name next to the Service in every member the Service is placed in (KEP-1645: a Service is
 * exported from a member when such a ServiceExport exists there). It carries the Service's ownership marks, so it
 * is applied, pruned and orphaned with it; a member without the MCS CRDs skips it as TypeNotServed.
 */
import { resourceId } from '../model/identity.ts';
import { adoptAnnotation, exportAnnotation, federatedObjectAnnotation, instanceAnnotation, managedLabel, orphanAnnotation } from '../model/marks.ts';
import type { FederatedObject, KubeObject } from '../model/types.ts';

export const serviceExportApiVersion = 'multicluster.x-k8s.io/v1beta1';

/** The ServiceExport to render beside the Service in each of its members, or none. */
export function serviceExportsFor(federated: FederatedObject, instance: string): KubeObject[] {
  const target = federated.type.target;
  if (target.group !== '' || target.kind !== 'Service' || federated.annotations[exportAnnotation] !== 'true' || !federated.namespace) return [];
  const annotations: Record<string, string> = { [federatedObjectAnnotation]: resourceId(federated), [instanceAnnotation]: instance };
  for (const passed of [orphanAnnotation, adoptAnnotation]) if (federated.annotations[passed] === 'true') annotations[passed] = 'true';
  return [{
    apiVersion: serviceExportApiVersion,
    kind: 'ServiceExport',
    metadata: { name: federated.name, namespace: federated.namespace, labels: { [managedLabel]: 'true' }, annotations },
  }];
}

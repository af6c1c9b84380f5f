/**
 * The Multi-Cluster Services vocabulary (KEP-1645, sigs.k8s.io/mcs-api v1beta1) and the cluster identity of
 * KEP-2149 (about.k8s.io ClusterProperty): kinds, labels, condition types and reasons as the API defines them.
 */
import type { ObjectIdentity } from '../model/identity.ts';

export const mcsApiVersion = 'multicluster.x-k8s.io/v1beta1';
export const serviceExportKind = 'ServiceExport';
export const serviceImportKind = 'ServiceImport';
export const endpointSliceApiVersion = 'discovery.k8s.io/v1';
export const clusterPropertyApiVersion = 'about.k8s.io/v1alpha1';
export const clusterPropertyKind = 'ClusterProperty';

/** An imported EndpointSlice names its ServiceImport with this label (as a local one names its Service). */
export const serviceNameLabel = 'multicluster.kubernetes.io/service-name';
/** The ClusterSet-unique id of the cluster an imported EndpointSlice's endpoints come from. */
export const sourceClusterLabel = 'multicluster.kubernetes.io/source-cluster';
/** A local EndpointSlice's Service. */
export const localServiceNameLabel = 'kubernetes.io/service-name';
/** Tells the member's EndpointSlice controller that these slices are not its own. */
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const managedByValue = 'multicluster-services.gitfed.io';

/** KEP-2149 well-known properties. */
export const clusterIdProperty = 'cluster.clusterset.k8s.io';
export const clusterSetProperty = 'clusterset.k8s.io';

export type ExportConditionType = 'Valid' | 'Ready' | 'Conflict';
export type ConflictReason = 'PortConflict' | 'TypeConflict' | 'SessionAffinityConflict' | 'SessionAffinityConfigConflict';
export type ImportType = 'ClusterSetIP' | 'Headless';

export interface Condition {
  type: ExportConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ImportPort {
  name?: string;
  protocol: string;
  appProtocol?: string;
  port: number;
}

export const serviceExportRef = (namespace: string, name: string): ObjectIdentity => ({ apiVersion: mcsApiVersion, kind: serviceExportKind, namespace, name });

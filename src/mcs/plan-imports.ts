/**
 * What every member of the ClusterSet should hold for the exported services (pure): per derived service a
 * ServiceImport and, per valid exporting cluster, an EndpointSlice of that cluster's ready endpoints (KEP-1645
 * "Using EndpointSlice objects to track endpoints": one source cluster per slice, labelled with the service name
 * and the source cluster); per member its ClusterProperty objects (KEP-2149) when that kind is served. Everything
 * carries gitfed's marks and the hash of its content, so the writer skips what is already in place and prunes
 * only what it wrote.
 */
import { hashObject } from '../plan/inventory.ts';
import { instanceAnnotation, managedLabel, multiclusterHashAnnotation, multiclusterImportLabel } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import { mergeExports, type DerivedService, type MemberExport } from './merge-exports.ts';
import {
  clusterIdProperty,
  clusterPropertyApiVersion,
  clusterPropertyKind,
  clusterSetProperty,
  endpointSliceApiVersion,
  localServiceNameLabel,
  managedByLabel,
  managedByValue,
  mcsApiVersion,
  serviceImportKind,
  serviceNameLabel,
  sourceClusterLabel,
} from './mcs-api.ts';

/** What the controller read from one member of the ClusterSet. */
export interface MemberObservation {
  cluster: string;
  /** The member serves ServiceExport and ServiceImport (multicluster.x-k8s.io/v1beta1). */
  served: boolean;
  /** The member serves ClusterProperty (about.k8s.io/v1alpha1). */
  clusterPropertyServed: boolean;
  exports: readonly KubeObject[];
  /** Services of the exported names (others may be present and are ignored). */
  services: readonly KubeObject[];
  /** Local EndpointSlices (label kubernetes.io/service-name) of the exported names. */
  endpointSlices: readonly KubeObject[];
}

export interface ImportPlanInput {
  instance: string;
  clusterSet: string;
  members: readonly MemberObservation[];
}

export interface EndpointCount {
  cluster: string;
  ready: number;
}

export interface PlannedService extends DerivedService {
  endpoints: EndpointCount[];
  /** Members that get the import (those serving the MCS API). */
  importers: string[];
}

export interface ImportPlan {
  services: PlannedService[];
  /** Per member serving the MCS API: every object it should hold, ServiceImports before their EndpointSlices. */
  desired: Record<string, KubeObject[]>;
  /** Members of the ClusterSet that do not serve the MCS API: nothing is read from or written to them. */
  notServed: string[];
}

const maxEndpointsPerSlice = 100;

export function planImports(input: ImportPlanInput): ImportPlan {
  const served = input.members.filter((member) => member.served).sort((a, b) => compare(a.cluster, b.cluster));
  const exports: MemberExport[] = served.flatMap((member) =>
    member.exports.map((exported) => ({ cluster: member.cluster, export: exported, service: findService(member, exported) })),
  );
  const derived = mergeExports(exports);
  const importers = served.map((member) => member.cluster);
  const services: PlannedService[] = derived.map((service) => ({
    ...service,
    endpoints: service.exporters.map((cluster) => ({ cluster, ready: readyAddresses(slicesOf(served, cluster, service)).length })),
    importers: service.exporters.length > 0 ? importers : [],
  }));
  const desired: Record<string, KubeObject[]> = {};
  for (const member of served) {
    const objects: KubeObject[] = [];
    if (member.clusterPropertyServed) objects.push(...clusterProperties(input, member.cluster));
    for (const service of services) {
      if (service.exporters.length === 0) continue;
      objects.push(mark(serviceImport(service), input.instance));
      for (const cluster of service.exporters) {
        for (const slice of importedSlices(service, cluster, slicesOf(served, cluster, service))) objects.push(mark(slice, input.instance));
      }
    }
    desired[member.cluster] = objects;
  }
  const notServed = input.members.filter((member) => !member.served).map((member) => member.cluster).sort(compare);
  return { services, desired, notServed };
}

function serviceImport(service: PlannedService): KubeObject {
  return {
    apiVersion: mcsApiVersion,
    kind: serviceImportKind,
    metadata: { name: service.name, namespace: service.namespace },
    spec: {
      type: service.type,
      ports: service.ports,
      ...(service.sessionAffinity !== undefined ? { sessionAffinity: service.sessionAffinity } : {}),
      ...(service.sessionAffinityConfig !== undefined ? { sessionAffinityConfig: service.sessionAffinityConfig } : {}),
    },
    status: { clusters: service.exporters.map((cluster) => ({ cluster })) },
  };
}

interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean };
  [field: string]: unknown;
}

/** One slice per source cluster and address type (split past 100 endpoints), named after the source. */
function importedSlices(service: PlannedService, cluster: string, slices: readonly KubeObject[]): KubeObject[] {
  const byType = new Map<string, { endpoints: SliceEndpoint[]; ports: Map<string, unknown> }>();
  for (const slice of slices) {
    const addressType = String(slice.addressType ?? 'IPv4');
    const entry = byType.get(addressType) ?? { endpoints: [], ports: new Map<string, unknown>() };
    for (const endpoint of readyEndpoints(slice)) entry.endpoints.push(endpoint);
    for (const port of (slice.ports ?? []) as unknown[]) entry.ports.set(JSON.stringify(port), port);
    byType.set(addressType, entry);
  }
  const out: KubeObject[] = [];
  for (const addressType of [...byType.keys()].sort()) {
    const entry = byType.get(addressType)!;
    const endpoints = entry.endpoints.sort((a, b) => compare(a.addresses.join(','), b.addresses.join(',')));
    const ports = [...entry.ports.keys()].sort().map((key) => entry.ports.get(key));
    const chunks = endpoints.length === 0 ? [[]] : chunk(endpoints, maxEndpointsPerSlice);
    chunks.forEach((part, index) => {
      out.push({
        apiVersion: endpointSliceApiVersion,
        kind: 'EndpointSlice',
        metadata: {
          name: sliceName(service.name, cluster, addressType, index),
          namespace: service.namespace,
          labels: { [serviceNameLabel]: service.name, [sourceClusterLabel]: cluster, [managedByLabel]: managedByValue },
        },
        addressType,
        endpoints: part,
        ports,
      });
    });
  }
  return out;
}

/** Ready endpoints only (conditions.ready absent counts as ready, as for a Service's own slices). */
function readyEndpoints(slice: KubeObject): SliceEndpoint[] {
  const endpoints = (slice.endpoints ?? []) as { addresses?: string[]; conditions?: { ready?: boolean }; zone?: string; hostname?: string }[];
  return endpoints
    .filter((endpoint) => endpoint.conditions?.ready !== false && (endpoint.addresses ?? []).length > 0)
    .map((endpoint) => ({
      addresses: [...(endpoint.addresses ?? [])],
      conditions: { ready: true },
      ...(endpoint.hostname ? { hostname: endpoint.hostname } : {}),
      ...(endpoint.zone ? { zone: endpoint.zone } : {}),
    }));
}

function readyAddresses(slices: readonly KubeObject[]): string[] {
  return slices.flatMap((slice) => readyEndpoints(slice).flatMap((endpoint) => endpoint.addresses));
}

function clusterProperties(input: ImportPlanInput, cluster: string): KubeObject[] {
  return [
    { name: clusterIdProperty, value: cluster },
    { name: clusterSetProperty, value: input.clusterSet },
  ].map((property) => mark({ apiVersion: clusterPropertyApiVersion, kind: clusterPropertyKind, metadata: { name: property.name }, spec: { value: property.value } }, input.instance));
}

/** gitfed's ownership marks and the hash of the content (status included), set last so the hash covers the rest. */
function mark(object: KubeObject, instance: string): KubeObject {
  const metadata = {
    ...object.metadata,
    labels: { ...object.metadata.labels, [managedLabel]: 'true', [multiclusterImportLabel]: instance },
    annotations: { ...object.metadata.annotations, [instanceAnnotation]: instance },
  };
  const marked = { ...object, metadata };
  return { ...marked, metadata: { ...metadata, annotations: { ...metadata.annotations, [multiclusterHashAnnotation]: hashObject(marked) } } };
}

function findService(member: MemberObservation, exported: KubeObject): KubeObject | null {
  return member.services.find((service) => service.metadata.namespace === exported.metadata.namespace && service.metadata.name === exported.metadata.name) ?? null;
}

function slicesOf(members: readonly MemberObservation[], cluster: string, service: DerivedService): KubeObject[] {
  const member = members.find((candidate) => candidate.cluster === cluster);
  return (member?.endpointSlices ?? []).filter(
    (slice) => slice.metadata.namespace === service.namespace && slice.metadata.labels?.[localServiceNameLabel] === service.name && !slice.metadata.labels?.[serviceNameLabel],
  );
}

/** `<service>-<cluster>[-ipv6][-n]`, kept within 63 characters (a label value, which tools expect of names). */
function sliceName(service: string, cluster: string, addressType: string, index: number): string {
  const suffix = `${addressType === 'IPv4' ? '' : `-${addressType.toLowerCase()}`}${index > 0 ? `-${index}` : ''}`;
  const name = `${service}-${cluster}${suffix}`;
  if (name.length <= 63) return name;
  const digest = hashObject({ apiVersion: 'v1', kind: 'Name', metadata: { name } }).slice(0, 8);
  return `${name.slice(0, 63 - suffix.length - 9)}-${digest}${suffix}`.replace(/[-.]+-/g, '-');
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

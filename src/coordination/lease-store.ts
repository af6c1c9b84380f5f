/**
 * The instance's Leases (coordination.k8s.io/v1) in the coordination cluster, through a ClusterClient: list by
 * label, create, conditional replace (PUT at the resourceVersion read: two writers never overwrite each other),
 * delete. Records are lease-ownership.ts's LeaseRecord; this file only maps them to and from Lease objects.
 */
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { instanceAnnotation } from '../model/marks.ts';
import type { KubeObject } from '../model/types.ts';
import type { LeaseRecord, LeaseRole } from './lease-ownership.ts';

export const leaseRoleLabel = 'gitfed.io/lease-role';
export const claimsAnnotation = 'gitfed.io/members';
export const statusDigestAnnotation = 'gitfed.io/status-digest';
export const revisionAnnotation = 'gitfed.io/revision';

export interface LeaseStore {
  list(): Promise<LeaseRecord[]>;
  /** Creates the Lease (reason AlreadyExists when another replica was first). */
  create(record: LeaseRecord): Promise<LeaseRecord>;
  /** Replaces it at `record.resourceVersion` (reason Conflict when someone wrote it since). */
  replace(record: LeaseRecord): Promise<LeaseRecord>;
  delete(name: string): Promise<void>;
}

export function createLeaseStore(client: ClusterClient, options: { namespace: string; instance: string }): LeaseStore {
  const toRecord = (object: KubeObject) => leaseRecordOf(object);
  return {
    async list() {
      const objects = await client.list('coordination.k8s.io/v1', 'Lease', { namespace: options.namespace, labelSelector: `${instanceAnnotation}=${options.instance}` });
      return objects.flatMap((object) => toRecord(object) ?? []);
    },
    async create(record) {
      return toRecord(await client.create(leaseObject(record, options))) ?? record;
    },
    async replace(record) {
      return toRecord(await client.replace(leaseObject(record, options))) ?? record;
    },
    async delete(name) {
      await client.delete({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: options.namespace, name });
    },
  };
}

export function leaseObject(record: LeaseRecord, options: { namespace: string; instance: string }): KubeObject {
  const annotations: Record<string, string> = {};
  if (record.role === 'replica') annotations[claimsAnnotation] = record.claims.join(',');
  if (record.statusDigest) annotations[statusDigestAnnotation] = record.statusDigest;
  if (record.revision) annotations[revisionAnnotation] = record.revision;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: record.name,
      namespace: options.namespace,
      labels: { [instanceAnnotation]: options.instance, [leaseRoleLabel]: record.role },
      annotations,
      ...(record.resourceVersion ? { resourceVersion: record.resourceVersion } : {}),
    },
    spec: {
      holderIdentity: record.holder,
      leaseDurationSeconds: record.durationSeconds,
      ...(record.acquireTime ? { acquireTime: record.acquireTime } : {}),
      ...(record.renewTime ? { renewTime: record.renewTime } : {}),
      leaseTransitions: record.transitions,
    },
  };
}

/** undefined for a Lease that carries no role label of ours. */
export function leaseRecordOf(object: KubeObject): LeaseRecord | undefined {
  const metadata = object.metadata as { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
  const role = metadata.labels?.[leaseRoleLabel];
  if (role !== 'replica' && role !== 'leader') return undefined;
  const spec = (object.spec ?? {}) as { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
  const claims = metadata.annotations?.[claimsAnnotation];
  const digest = metadata.annotations?.[statusDigestAnnotation];
  const revision = metadata.annotations?.[revisionAnnotation];
  return {
    name: metadata.name,
    role: role as LeaseRole,
    holder: spec.holderIdentity ?? '',
    durationSeconds: spec.leaseDurationSeconds ?? 0,
    ...(spec.renewTime ? { renewTime: spec.renewTime } : {}),
    ...(spec.acquireTime ? { acquireTime: spec.acquireTime } : {}),
    transitions: spec.leaseTransitions ?? 0,
    claims: claims ? claims.split(',').filter(Boolean) : [],
    ...(digest ? { statusDigest: digest } : {}),
    ...(revision ? { revision } : {}),
    ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
  };
}

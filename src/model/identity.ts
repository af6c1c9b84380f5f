/**
 * Object identity, the one rule for it: how an API version splits, the machine key that identifies an object in
 * a member (group, kind, namespace, name: the version does not), and the ids people read (`Kind/namespace/name`,
 * `cluster:Kind/namespace/name`). Inventories, pairing desired with live, reports and messages all use these.
 */
import type { KubeObject } from './types.ts';

/** Names one object; `namespace` is absent for cluster-scoped kinds. */
export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

/** What a person-facing id needs: the version plays no part in it. */
export type ResourceRef = Pick<ObjectIdentity, 'kind' | 'namespace' | 'name'>;

/** `apps/v1` → { group: 'apps', version: 'v1' }; the core group is ''. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `apps` of `apps/v1`, '' for `v1` (and for anything that is not a string, as a document may hold). */
export function groupOf(apiVersion: unknown): string {
  return typeof apiVersion === 'string' ? splitApiVersion(apiVersion).group : '';
}

/** `group/Kind/namespace/name` (empty group and namespace kept as empty segments). */
export function objectKey(object: ObjectIdentity): string {
  return `${groupOf(object.apiVersion)}/${object.kind}/${object.namespace ?? ''}/${object.name}`;
}

/** `group/Kind`, how a kind is named independent of its version (disabled types, held kinds). */
export function groupKind(object: Pick<ObjectIdentity, 'apiVersion' | 'kind'>): string {
  return `${groupOf(object.apiVersion)}/${object.kind}`;
}

export function identityOf(object: KubeObject): ObjectIdentity {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}

/** `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
export function resourceId(ref: ResourceRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** `cluster:Kind/namespace/name` when a cluster qualifies the id. */
export function clusterResourceId(cluster: string, ref: ResourceRef): string {
  return `${cluster}:${resourceId(ref)}`;
}

/** A resource id back into its parts (names never contain `/`). */
export function parseResourceId(id: string): { kind: string; namespace: string | undefined; name: string } {
  const parts = id.split('/');
  if (parts.length >= 3) return { kind: parts[0] ?? '', namespace: parts[1], name: parts.slice(2).join('/') };
  return { kind: parts[0] ?? '', namespace: undefined, name: parts[1] ?? '' };
}

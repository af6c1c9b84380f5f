/**
 * Machine keys for member objects: group, kind, namespace and name, which is what identifies an object in a
 * member (the version does not). Used for inventories and for pairing desired with live.
 */
import { resourceId } from '../model/resource-id.ts';
import type { KubeObject } from '../model/types.ts';

export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** `group/Kind/namespace/name` (empty group and namespace kept as empty segments). */
export function objectKey(object: ObjectIdentity): string {
  return `${groupOf(object.apiVersion)}/${object.kind}/${object.namespace ?? ''}/${object.name}`;
}

export function identityOf(object: KubeObject): ObjectIdentity {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
  };
}

export function idOf(object: ObjectIdentity): string {
  return resourceId(object);
}

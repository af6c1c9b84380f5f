/**
 * Turns a federated object's template into the object for a member (spec §2, create path, steps 1–7),
 * before overrides; and stamps gitfed's ownership marks on the result (after overrides, decision 9).
 */
import {
  adoptAnnotation,
  federatedObjectAnnotation,
  instanceAnnotation,
  managedLabel,
  orphanAnnotation,
  retainReplicasAnnotation,
} from '../model/marks.ts';
import { isJsonObject } from '../model/json-object.ts';
import { resourceId } from '../model/identity.ts';
import type { FederatedObject, JsonObject, KubeObject } from '../model/types.ts';

export interface BaseObject {
  object: JsonObject;
  /** The template carried finalizers, which were dropped (decision 3). */
  droppedFinalizers: boolean;
}

export function buildBaseObject(federated: FederatedObject): BaseObject {
  const template = federated.template ? structuredClone(federated.template) : {};
  const { apiVersion, kind: _kind, metadata, ...rest } = template;
  const { name: _name, namespace: _namespace, finalizers, ...keptMetadata } = isJsonObject(metadata) ? metadata : {};
  const target = federated.type.target;
  const namespace = target.kind === 'Namespace' ? undefined : federated.namespace;
  const object: JsonObject = {
    apiVersion: typeof apiVersion === 'string' && apiVersion !== '' ? apiVersion : groupVersion(target.group, target.version),
    kind: target.kind,
    metadata: { name: federated.name, ...(namespace ? { namespace } : {}), ...keptMetadata },
    ...rest,
  };
  return { object, droppedFinalizers: Array.isArray(finalizers) && finalizers.length > 0 };
}

/** Core types get `v1`, never KubeFed's `/v1` (decision 4). */
export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export interface MarkOptions {
  instance: string;
}

/**
 * Re-asserts identity (an override replacing /metadata cannot rename the object, as in KubeFed where the
 * member object always carries the federated name) and adds the ownership marks.
 */
export function markObject(object: JsonObject, federated: FederatedObject, options: MarkOptions): KubeObject {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const target = federated.type.target;
  const namespace = target.kind === 'Namespace' ? undefined : federated.namespace;
  const { name: _name, namespace: _namespace, labels, annotations, ...restMetadata } = metadata;
  const marked: Record<string, string> = { ...stringMap(annotations) };
  marked[federatedObjectAnnotation] = resourceId(federated);
  marked[instanceAnnotation] = options.instance;
  if (federated.annotations[orphanAnnotation] === 'true') marked[orphanAnnotation] = 'true';
  if (federated.retainReplicas) marked[retainReplicasAnnotation] = 'true';
  if (federated.annotations[adoptAnnotation] === 'true') marked[adoptAnnotation] = 'true';
  return {
    ...object,
    apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : groupVersion(target.group, target.version),
    kind: target.kind,
    metadata: {
      name: federated.name,
      ...(namespace ? { namespace } : {}),
      ...restMetadata,
      labels: { ...stringMap(labels), [managedLabel]: 'true' },
      annotations: marked,
    },
  };
}


/** Label and annotation maps; a non-string value an override put there is left for the API server to reject. */
function stringMap(value: unknown): Record<string, string> {
  return isJsonObject(value) ? (value as Record<string, string>) : {};
}

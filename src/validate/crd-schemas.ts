/**
 * Schemas of custom resources from CustomResourceDefinitions (apiextensions.k8s.io/v1) the repository holds, as
 * documents of their own or in the template of a FederatedCustomResourceDefinition (pure). Every served version
 * with `schema.openAPIV3Schema` becomes a kind; the root allows apiVersion, kind and metadata like the API server
 * does, and metadata is Kubernetes' ObjectMeta when a bundle holds it.
 */
import type { JsonObject, JsonValue } from '../model/types.ts';
import type { SchemaSource } from './kind-validators.ts';
import { kindKey } from './schema-bundle.ts';
import { toJsonSchema } from './to-json-schema.ts';

export const CRD_SOURCE_ID = 'repo-crds';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

export interface CrdKind {
  key: string;
  /** The CRD that declares it: `CustomResourceDefinition/<name>`. */
  crd: string;
}

/** `objectMetaSource`: the bundle source id whose definitions hold ObjectMeta, if any. */
export function crdSource(crds: readonly JsonValue[], objectMetaSource?: string): { source: SchemaSource; kinds: CrdKind[] } {
  const kinds = new Map<string, string>();
  const definitions: Record<string, JsonObject> = {};
  const declared: CrdKind[] = [];
  for (const crd of crds) {
    if (!isObject(crd) || crd.apiVersion !== 'apiextensions.k8s.io/v1' || !isObject(crd.spec)) continue;
    const { group, names, versions } = crd.spec;
    const kind = isObject(names) ? names.kind : undefined;
    if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(versions)) continue;
    const name = isObject(crd.metadata) && typeof crd.metadata.name === 'string' ? crd.metadata.name : `${group}/${kind}`;
    for (const version of versions) {
      if (!isObject(version) || typeof version.name !== 'string' || version.served === false) continue;
      const schema = isObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
      if (!isObject(schema)) continue;
      const key = kindKey(`${group}/${version.name}`, kind);
      if (kinds.has(key)) continue;
      // A JSON pointer segment: no "/" in it.
      const definition = key.replaceAll('/', '_');
      kinds.set(key, definition);
      definitions[definition] = rootSchema(toJsonSchema(schema, CRD_SOURCE_ID) as JsonObject, objectMetaSource);
      declared.push({ key, crd: `CustomResourceDefinition/${name}` });
    }
  }
  return { source: { id: CRD_SOURCE_ID, kinds, definitions }, kinds: declared };
}

function rootSchema(schema: JsonObject, objectMetaSource: string | undefined): JsonObject {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const metadata: JsonObject = objectMetaSource ? { $ref: `${objectMetaSource}#/definitions/${OBJECT_META}` } : { type: 'object' };
  return {
    ...schema,
    properties: { ...properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata },
  };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

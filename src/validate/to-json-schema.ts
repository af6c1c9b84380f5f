/**
 * Kubernetes' OpenAPI v3 schemas → JSON Schema that ajv checks the way the API server decodes and validates
 * (pure). What changes, and why:
 * - `x-kubernetes-int-or-string` / format `int-or-string`: an integer or a string (IntOrString).
 * - `oneOf` of bare types (Quantity is a string or a number): one `type` list, so a miss is one error.
 * - An object with `properties` refuses other fields, as strict field validation (`fieldValidation=Strict`)
 *   refuses unknown fields — ObjectMeta's included; `additionalProperties` and
 *   `x-kubernetes-preserve-unknown-fields` keep an object open.
 * - `x-kubernetes-embedded-resource`: apiVersion, kind and metadata are allowed beside the declared fields.
 * - Refs become ajv refs into one schema per source (`<id>#/definitions/<name>`).
 * - Kubernetes' own vendor keys and `nullable` are dropped: null values are removed before validation, as the
 *   API server's decoder leaves a null field at its zero value and prunes nulls from custom resources.
 */
import type { JsonObject, JsonValue } from '../model/types.ts';

const REF_PREFIX = '#/components/schemas/';

const DROPPED = new Set(['nullable', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type']);

/** `sourceId` is the ajv schema id the definitions live under (refs point into it). */
export function toJsonSchema(schema: JsonValue, sourceId: string): JsonValue {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, sourceId));
  if (!isObject(schema)) return schema;
  if (schema['x-kubernetes-int-or-string'] === true || schema.format === 'int-or-string') {
    return { type: ['integer', 'string'] };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key === 'x-kubernetes-preserve-unknown-fields' || key === 'x-kubernetes-embedded-resource') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.startsWith(REF_PREFIX) ? `${sourceId}#/definitions/${value.slice(REF_PREFIX.length)}` : value;
    } else if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, toJsonSchema(child, sourceId)]));
    } else if (key === 'enum' || key === 'required') out[key] = value;
    else out[key] = toJsonSchema(value, sourceId);
  }
  const bareTypes = bareTypesOf(out.oneOf) ?? bareTypesOf(out.anyOf);
  if (bareTypes) {
    delete out.oneOf;
    delete out.anyOf;
    out.type = bareTypes;
  }
  // allOf of a single ref (how a property points at a definition and adds a default): the ref itself.
  if (Array.isArray(out.allOf) && out.allOf.length === 1 && Object.keys(out).length === 1) return out.allOf[0] as JsonValue;
  if (schema['x-kubernetes-embedded-resource'] === true) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...(isObject(out.properties) ? out.properties : {}) };
  }
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true || 'additionalProperties' in schema;
  if (isObject(out.properties) && !open) out.additionalProperties = false;
  return out;
}

function bareTypesOf(branches: JsonValue | undefined): string[] | undefined {
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const types: string[] = [];
  for (const branch of branches) {
    if (!isObject(branch) || Object.keys(branch).length !== 1 || typeof branch.type !== 'string') return undefined;
    types.push(branch.type);
  }
  return types;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

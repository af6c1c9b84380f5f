/**
 * The schema bundle: what validation needs from a kube-apiserver's `/openapi/v3` documents, compacted (pure).
 *
 * A bundle maps each kind the server accepts in a POST (`group/version/Kind`, from the operations'
 * `x-kubernetes-group-version-kind`) to the name of its schema, and holds every schema reachable from those,
 * stripped of what validation never reads (descriptions, defaults, examples). Keys are sorted, so the same
 * server gives the same bytes: the shipped bundles (`schemas/kube-1.NN.json.gz`, written by
 * `scripts/dump-kube-schemas.ts`) are compared with the lab's server by an e2e test.
 */
import type { JsonObject, JsonValue } from '../model/types.ts';

export interface SchemaBundle {
  /** `1.34`: the minor release the schemas come from. */
  kubeVersion: string;
  /** `apps/v1/Deployment` (core: `v1/ConfigMap`) → schema name in `schemas`. */
  kinds: Record<string, string>;
  /** Schema name (`io.k8s.api.apps.v1.Deployment`) → OpenAPI v3 schema; refs read `#/components/schemas/<name>`. */
  schemas: Record<string, JsonObject>;
}

/** The schema keywords validation reads; every other key (description, default, example …) is dropped. */
const KEPT_KEYS: ReadonlySet<string> = new Set([
  '$ref', 'allOf', 'anyOf', 'oneOf', 'not', 'type', 'format', 'enum', 'required', 'properties', 'additionalProperties',
  'items', 'nullable', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
  'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'multipleOf',
  'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
]);

const REF_PREFIX = '#/components/schemas/';

/** `group/version/Kind`, or `version/Kind` for the core group: the key of `kinds`. */
export function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/**
 * Compacts a server's group-version documents (`/openapi/v3/apis/apps/v1` … as JSON) into a bundle.
 * `skipGroups` leaves out custom resources' groups (a member's CRDs are not Kubernetes' own schemas).
 */
export function compactOpenApi(kubeVersion: string, documents: readonly JsonObject[], skipGroups: ReadonlySet<string> = new Set()): SchemaBundle {
  const kinds: Record<string, string> = {};
  const all = new Map<string, JsonObject>();
  for (const document of documents) {
    const schemas = objectAt(objectAt(document, 'components'), 'schemas');
    for (const [name, schema] of Object.entries(schemas)) if (isObject(schema) && !all.has(name)) all.set(name, schema);
    for (const operations of Object.values(objectAt(document, 'paths'))) {
      if (!isObject(operations)) continue;
      const post = operations.post;
      if (!isObject(post)) continue;
      const gvk = post['x-kubernetes-group-version-kind'];
      const ref = requestRef(post);
      if (!isObject(gvk) || !ref || typeof gvk.version !== 'string' || typeof gvk.kind !== 'string') continue;
      const group = typeof gvk.group === 'string' ? gvk.group : '';
      if (skipGroups.has(group)) continue;
      kinds[kindKey(group ? `${group}/${gvk.version}` : gvk.version, gvk.kind)] = ref;
    }
  }
  const reachable = new Map<string, JsonObject>();
  const visit = (name: string) => {
    if (reachable.has(name)) return;
    const schema = all.get(name);
    if (!schema) return;
    const compacted = compactSchema(schema) as JsonObject;
    reachable.set(name, compacted);
    for (const ref of refsOf(compacted)) visit(ref);
  };
  for (const name of Object.values(kinds)) visit(name);
  return sortKeys({ kubeVersion, kinds, schemas: Object.fromEntries(reachable) }) as unknown as SchemaBundle;
}

function requestRef(operation: JsonObject): string | undefined {
  const content = objectAt(objectAt(operation, 'requestBody'), 'content');
  for (const media of Object.values(content)) {
    const ref = isObject(media) && isObject(media.schema) ? media.schema.$ref : undefined;
    if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) return ref.slice(REF_PREFIX.length);
  }
  return undefined;
}

function compactSchema(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(compactSchema);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (!KEPT_KEYS.has(key)) continue;
    // Property names and enum values are data, not schemas: copied as they are.
    if (key === 'properties' && isObject(child)) {
      out[key] = Object.fromEntries(Object.entries(child).map(([name, schema]) => [name, compactSchema(schema)]));
    } else out[key] = key === 'enum' || key === 'required' || key === 'x-kubernetes-list-map-keys' ? child : compactSchema(child);
  }
  return out;
}

/** Schema names a schema refers to. */
export function refsOf(value: JsonValue, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsOf(item, found);
  else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(REF_PREFIX)) found.add(child.slice(REF_PREFIX.length));
      else if (key !== 'enum') refsOf(child, found);
    }
  }
  return found;
}

/** Deterministic bytes: object keys in code-unit order at every level. */
export function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] as JsonValue);
  return out;
}

function objectAt(value: JsonValue | undefined, key: string): JsonObject {
  const child = isObject(value) ? value[key] : undefined;
  return isObject(child) ? child : {};
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

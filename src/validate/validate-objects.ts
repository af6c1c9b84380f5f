/**
 * What each member will receive, checked against the schemas of its kind before anything is applied (pure).
 *
 * Per rendered object (after placement and overrides), per cluster:
 * - a removed API version (api-versions.ts) → ObjectInvalid at the template's apiVersion, naming the
 *   replacement; a deprecated one still served → ObjectDeprecated (warning);
 * - otherwise the kind's schema (the repository's CRDs first, then Kubernetes' own for the target version) →
 *   ObjectInvalid per problem, at the template field, or at the override's value when an override wrote it;
 * - no schema for the kind → one SchemaUnknown warning per kind.
 * Problems are grouped: one diagnostic per distinct problem and place, naming every cluster that shares it
 * (`cluster` when there is one, `clusters` when there are several). An ObjectInvalid error holds the object in
 * those clusters (plan/held-objects.ts): it is not applied there and left as it is.
 * An object shared by clusters without overrides is validated once.
 */
import type { ErrorObject } from 'ajv';
import { compareDiagnostics, error, warning, type Diagnostic, type DiagnosticCode } from '../model/diagnostic.ts';
import { resourceId } from '../model/identity.ts';
import type { FederatedObject, FieldPath, JsonObject, JsonValue, KubeObject } from '../model/types.ts';
import { fieldName } from '../render/render.ts';
import type { ObjectSource } from '../render/render.ts';
import { deprecatedIn, movedFieldsNote, removedIn } from './api-versions.ts';
import type { KindValidators } from './kind-validators.ts';
import { kindKey } from './schema-bundle.ts';

export interface ValidateOptions {
  /** `1.34`: the release the removal table is read for. */
  kubeVersion: string;
  validators: KindValidators;
  /** Where the schemas come from, for messages: `Kubernetes 1.34`, `member1's /openapi/v3` … */
  schemaName: string;
}

export interface RenderedObjects {
  clusters: Record<string, readonly KubeObject[]>;
  /** The federated object (and the override entry) each rendered object came from. */
  sources?: ReadonlyMap<KubeObject, ObjectSource>;
}

/** One problem of one object, before grouping over clusters. */
interface Problem {
  code: DiagnosticCode;
  severity: 'error' | 'warning';
  message: string;
  /** Path in the federated document the problem points at. */
  documentPath: FieldPath;
}

export function validateObjects(rendered: RenderedObjects, options: ValidateOptions): Diagnostic[] {
  // Each distinct object once (clusters without overrides share one), then the clusters of those with problems.
  const unknownKinds = new Map<string, Diagnostic>();
  const found = new Map<KubeObject, Problem[]>();
  for (const [object, source] of rendered.sources ?? []) {
    const key = kindKey(object.apiVersion, object.kind);
    const problems = problemsOf(object, key, source, options);
    if (problems === SCHEMA_UNKNOWN) {
      if (!unknownKinds.has(key)) unknownKinds.set(key, schemaUnknown(object, source.federated, options));
    } else if (problems.length > 0) found.set(object, problems);
  }
  const grouped = new Map<string, { diagnostic: Diagnostic; clusters: string[] }>();
  if (found.size > 0) {
    for (const [cluster, objects] of Object.entries(rendered.clusters)) {
      for (const object of objects) {
        const problems = found.get(object);
        const source = problems && rendered.sources?.get(object);
        if (!problems || !source) continue;
        for (const problem of problems) {
          const where = { ...position(source.federated, problem.documentPath), resource: resourceId(objectRef(object)) };
          const id = JSON.stringify([where, problem.code, problem.message]);
          let entry = grouped.get(id);
          if (!entry) {
            const make = problem.severity === 'error' ? error : warning;
            grouped.set(id, (entry = { diagnostic: make(problem.code, problem.message, where), clusters: [] }));
          }
          entry.clusters.push(cluster);
        }
      }
    }
  }
  const diagnostics = [...grouped.values()].map(({ diagnostic, clusters }) => withClusters(diagnostic, clusters));
  return [...diagnostics, ...unknownKinds.values()].sort(compareDiagnostics);
}

const SCHEMA_UNKNOWN: Problem[] = [];

function problemsOf(object: KubeObject, key: string, source: ObjectSource, options: ValidateOptions): Problem[] {
  const removed = removedIn(key, options.kubeVersion);
  if (removed) {
    const release = `1.${removed.release}`;
    return [
      {
        code: 'ObjectInvalid',
        severity: 'error',
        message: `${object.apiVersion} ${object.kind} was removed in Kubernetes ${release} (target ${options.kubeVersion}); use ${removed.replacement}${removed.note ? ` (${removed.note})` : ''}`,
        documentPath: templatePath(['apiVersion']),
      },
    ];
  }
  const problems: Problem[] = [];
  const deprecated = deprecatedIn(key, options.kubeVersion);
  if (deprecated) {
    problems.push({
      code: 'ObjectDeprecated',
      severity: 'warning',
      message: `${object.apiVersion} ${object.kind} is deprecated since Kubernetes 1.${deprecated.release} and will be removed; use ${deprecated.replacement}`,
      documentPath: templatePath(['apiVersion']),
    });
  }
  const validate = options.validators.get(key);
  if (!validate) return problems.length > 0 ? problems : SCHEMA_UNKNOWN;
  // Most objects hold no null: validated as they are first, copied without nulls only when that fails.
  let errors = validate(object as unknown as JsonObject);
  if (errors.length > 0 && hasNullField(object as unknown as JsonObject)) errors = validate(withoutNulls(object as unknown as JsonObject));
  const seen = new Set<string>();
  for (const failure of errors) {
    const described = describe(failure, object, key);
    if (!described) continue;
    const documentPath = attribute(described.path, source);
    const message = `${options.schemaName} ${object.apiVersion} ${object.kind}: ${fieldName(described.path) || '(root)'}: ${described.message}`;
    if (seen.has(message)) continue;
    seen.add(message);
    problems.push({ code: 'ObjectInvalid', severity: 'error', message, documentPath });
  }
  return problems;
}

/** The field a failure is about and what is wrong with it, in the API server's words where it has them. */
function describe(failure: ErrorObject, object: KubeObject, key: string): { path: FieldPath; message: string } | undefined {
  const path = instancePath(failure.instancePath, object);
  const params = failure.params as Record<string, unknown>;
  switch (failure.keyword) {
    case 'additionalProperties': {
      const note = movedFieldsNote(key);
      return { path: [...path, String(params.additionalProperty)], message: `unknown field (strict field validation refuses it)${note ? `; ${note}` : ''}` };
    }
    case 'required':
      return { path: [...path, String(params.missingProperty)], message: 'Required value' };
    case 'type':
      return { path, message: `must be ${String(params.type).replace(',', ' or ')}, not ${typeName(valueAt(object, path))} ${preview(valueAt(object, path))}` };
    case 'enum':
      return { path, message: `Unsupported value ${preview(valueAt(object, path))}: supported values: ${(params.allowedValues as JsonValue[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'format':
      return { path, message: `${preview(valueAt(object, path))} is not a valid ${String(params.format)}` };
    case 'if':
    case 'anyOf':
    case 'oneOf':
      // The branches' own failures say what is wrong.
      return undefined;
    default:
      return { path, message: failure.message ?? failure.keyword };
  }
}

/** `/spec/containers/0/image` → `['spec', 'containers', 0, 'image']` (array indexes as numbers). */
function instancePath(pointer: string, object: KubeObject): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let current: unknown = object;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const step = Array.isArray(current) ? Number(part) : part;
    path.push(step);
    current = current && typeof current === 'object' ? (current as Record<string | number, unknown>)[step] : undefined;
  }
  return path;
}

/**
 * The place in the federated document that put the value at `path` in the member object: the last override of
 * the cluster whose path is a prefix of it (its `value`, or its `path` for a remove), else the template.
 */
function attribute(path: FieldPath, source: ObjectSource): FieldPath {
  const ops = source.overrides?.ops ?? [];
  for (let j = ops.length - 1; j >= 0; j--) {
    const op = ops[j];
    const segments = pointerSegments(op?.path ?? '');
    if (!segments || segments.length > path.length || !segments.every((segment, i) => segment === String(path[i]))) continue;
    const entry = [...(source.overrides?.field ?? []), 'clusterOverrides', j];
    return op?.op === 'remove' ? [...entry, 'path'] : [...entry, 'value', ...path.slice(segments.length)];
  }
  return templatePath(path);
}

/** Member object field → where the federated document holds it (build-object.ts). */
function templatePath(path: FieldPath): FieldPath {
  if (path[0] === 'kind') return ['kind'];
  if (path[0] === 'metadata' && (path[1] === 'name' || path[1] === 'namespace')) return ['metadata', path[1]];
  return ['spec', 'template', ...path];
}

function pointerSegments(pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function schemaUnknown(object: KubeObject, federated: FederatedObject, options: ValidateOptions): Diagnostic {
  return warning(
    'SchemaUnknown',
    `no schema for ${object.apiVersion} ${object.kind} in ${options.schemaName} nor in the repository's CustomResourceDefinitions: its objects are not validated before they are applied (add the CRD to the repository, or use --live)`,
    { ...position(federated, templatePath(['apiVersion'])), resource: resourceId(objectRef(object)) },
  );
}

function withClusters(diagnostic: Diagnostic, clusters: string[]): Diagnostic {
  const sorted = [...new Set(clusters)].sort();
  return sorted.length === 1 ? { ...diagnostic, cluster: sorted[0] as string } : { ...diagnostic, clusters: sorted };
}

function position(federated: FederatedObject, path: FieldPath) {
  const { file, line, column } = federated.origin.locate(path);
  return { file, line, column, field: fieldName(path) };
}

function objectRef(object: KubeObject) {
  return { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}

/**
 * The object without null object fields: the API server decodes a null field as absent (built-in kinds) and
 * prunes nulls from custom resources. Copies only when there is a null to drop.
 */
export function withoutNulls(value: JsonObject): JsonObject {
  return hasNullField(value) ? (dropNulls(value) as JsonObject) : value;
}

function hasNullField(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.some((item) => item !== null && typeof item === 'object' && hasNullField(item));
  if (value === null || typeof value !== 'object') return false;
  for (const key in value) {
    const child = value[key] as JsonValue;
    if (child === null || (typeof child === 'object' && hasNullField(child))) return true;
  }
  return false;
}

function dropNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map((item) => (item !== null && typeof item === 'object' ? dropNulls(item) : item));
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) out[key] = dropNulls(child);
  return out;
}

function valueAt(object: KubeObject, path: FieldPath): unknown {
  let current: unknown = object;
  for (const step of path) current = current && typeof current === 'object' ? (current as Record<string | number, unknown>)[step] : undefined;
  return current;
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

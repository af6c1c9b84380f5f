/**
 * KubeFed overrides (spec §1.4, gitfed decision 7): validation of the whole `spec.overrides` list, and the
 * per-cluster JSON patch applied with the semantics of Go's evanphx/json-patch v4.12.0, which KubeFed used.
 *
 * The patch operations themselves are done by fast-json-patch, run in its strict RFC 6902 mode. v4.12 is not
 * RFC 6902, so each operation is first resolved here against the current document by v4.12's rules (its
 * `findObject` walk and the container `get`/`add`/`set`/`remove` methods), then handed to the library as a
 * plain RFC operation on a canonical path. Where the two differ:
 *
 * | v4.12.0 behaviour                                            | fast-json-patch 3.1.1 (strict)        | here                                   |
 * |--------------------------------------------------------------|---------------------------------------|----------------------------------------|
 * | `replace` of a missing key in an existing object adds it     | fails: path does not exist            | sent as `add`                          |
 * | negative array indexes count from the end: get/replace/remove | fails: not an unsigned integer        | resolved to the index they denote,     |
 * |   accept -len..-1, add accepts -(len+1)..-1 (-1 appends)      |   (non-strict mode writes a property) |   canonical path sent                  |
 * | array indexes parsed by strconv.Atoi: `+1`, `01`, `-0` valid | `01` valid, `+1` rejected             | parsed like Atoi                       |
 * | an empty segment is not an array index                       | reads `""` as index 0                 | not an index, as in v4.12              |
 * | a missing `value` writes JSON null (kubefed drops a null one)| fails: `value` is required            | `null` sent                            |
 * | a null or scalar parent is a missing path                    | same in strict mode                   | checked first for a clearer message    |
 * | an empty path replaces the whole document                    | same                                  | rejected (decision 7)                  |
 * | a path without a leading `/` loses its first segment         | rejected                              | rejected (decision 7)                  |
 * | `__proto__` is an ordinary key                               | refused (prototype pollution guard)   | refused with a message                 |
 *
 * Inherited members (`toString`, `constructor`) count as missing: lookups use own properties only.
 * The document is deep-copied once; values from the ops are copied too, so the result never aliases the input.
 */
import jsonpatch from 'fast-json-patch';
import type { ClusterOverride, FieldPath, JsonObject, JsonValue, Override } from '../model/types.ts';

export interface OverrideProblem {
  message: string;
  field: FieldPath;
  clusterName?: string;
}

/** The ops KubeFed's CRD admits (empty means replace). */
export type OverrideOp = 'add' | 'remove' | 'replace';

/** Name, namespace and generateName tie the member object to the federated one; kind comes from the type. */
const forbiddenPaths: ReadonlySet<string> = new Set(['/metadata/name', '/metadata/namespace', '/metadata/generateName', '/kind']);

const overridesField = ['spec', 'overrides'] as const;

/** Whole-list validation (KubeFed GetOverrides + gitfed decision 7). Any problem → rendering fails for every cluster. */
export function validateOverrides(overrides: readonly Override[] | null | undefined): OverrideProblem[] {
  const problems: OverrideProblem[] = [];
  const clusters = new Set<string>();
  for (const [i, entry] of (overrides ?? []).entries()) {
    const clusterName = entry.clusterName;
    const entryField = [...overridesField, i];
    if (clusters.has(clusterName)) {
      problems.push({ message: `cluster ${quote(clusterName)} appears more than once`, field: [...entryField, 'clusterName'], clusterName });
    }
    clusters.add(clusterName);

    const firstUse = new Map<string, number>();
    for (const [j, override] of (entry.clusterOverrides ?? []).entries()) {
      const field = [...entryField, 'clusterOverrides', j];
      const subject = `override[${j}] for cluster ${quote(clusterName)}`;
      if (overrideOp(override.op) === undefined) {
        problems.push({
          message: `${subject} has unsupported op ${quote(String(override.op))}; use add, remove or replace (empty means replace)`,
          field: [...field, 'op'],
          clusterName,
        });
      }
      const path: unknown = override.path;
      const pathProblem = checkPath(path);
      if (pathProblem !== undefined) {
        problems.push({ message: `${subject} ${pathProblem}`, field: [...field, 'path'], clusterName });
        continue;
      }
      const text = path as string;
      const first = firstUse.get(text);
      if (first !== undefined) {
        problems.push({
          message: `path ${quote(text)} appears more than once for cluster ${quote(clusterName)} (override[${first}] and override[${j}])`,
          field: [...field, 'path'],
          clusterName,
        });
      } else {
        firstUse.set(text, j);
      }
    }
  }
  return problems;
}

function checkPath(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'has no path; override paths are JSON Pointers such as "/spec/replicas"';
  if (path === '') return 'has an empty path; override paths are JSON Pointers such as "/spec/replicas"';
  if (!path.startsWith('/')) {
    return `has path ${quote(path)}, which does not start with "/"; override paths are JSON Pointers such as "/spec/replicas"`;
  }
  if (forbiddenPaths.has(path)) {
    return `has an invalid path: ${path}; metadata.name, metadata.namespace, metadata.generateName and kind cannot be overridden`;
  }
  return undefined;
}

/** The ops for one cluster, in list order (empty array when none). Assumes the list validated. */
export function overridesFor(
  overrides: readonly Override[] | null | undefined,
  clusterName: string,
): { ops: ClusterOverride[]; field: FieldPath /* of that cluster's entry */ } {
  for (const [i, entry] of (overrides ?? []).entries()) {
    if (entry.clusterName === clusterName) return { ops: [...(entry.clusterOverrides ?? [])], field: [...overridesField, i] };
  }
  return { ops: [], field: [...overridesField] };
}

/** Applies ops in order to a deep copy; never mutates the input. */
export function applyOverrides(
  target: JsonObject,
  ops: readonly ClusterOverride[],
): { ok: true; object: JsonObject } | { ok: false; index: number; message: string } {
  const object = structuredClone(target);
  for (const [index, op] of ops.entries()) {
    const message = applyOne(object, op);
    if (message !== undefined) return { ok: false, index, message };
  }
  return { ok: true, object };
}

/** `undefined` for an op outside the vocabulary. */
function overrideOp(op: unknown): OverrideOp | undefined {
  if (op === undefined || op === null || op === '') return 'replace';
  return op === 'add' || op === 'remove' || op === 'replace' ? op : undefined;
}

type Container = JsonObject | JsonValue[];

/** A parent found by the v4.12 walk: the container, its canonical pointer and its pointer as the user wrote it. */
interface Parent {
  container: Container;
  canonical: string;
  written: string;
}

/** Applies one op to `doc` in place; returns why it failed, or undefined. */
function applyOne(doc: JsonObject, override: ClusterOverride): string | undefined {
  const op = overrideOp(override.op);
  const path: unknown = override.path;
  if (op === undefined) return `${String(override.op)} ${String(path)}: unsupported op; use add, remove or replace`;
  if (typeof path !== 'string') return `${op}: the override has no path`;
  const label = `${op} ${path === '' ? '""' : path}`;
  if (path === '') return `${label}: an empty path is not supported (in KubeFed it replaced the whole object)`;
  if (!path.startsWith('/')) return `${label}: path must start with "/"`;

  const written = path.slice(1).split('/');
  const keys = written.map(decodeToken);
  const banned = keys.findIndex((key, i) => key === '__proto__' || (key === 'prototype' && i > 0 && keys[i - 1] === 'constructor'));
  if (banned >= 0) return `${label}: the key ${quote(keys[banned] ?? '')} is not supported here (JavaScript reserves it)`;

  const parent = findParent(doc, keys, written);
  if (typeof parent === 'string') return `${label}: ${parent}`;
  const key = keys[keys.length - 1] ?? '';
  const writtenKey = written[written.length - 1] ?? '';
  const target = resolveTarget(op, parent, key, writtenKey);
  if (typeof target === 'string') return `${label}: ${target}`;

  const value: JsonValue = override.value === undefined ? null : structuredClone(override.value);
  const canonicalPath = `${parent.canonical}/${target.token}`;
  const operation =
    target.op === 'remove' ? { op: 'remove' as const, path: canonicalPath } : { op: target.op, path: canonicalPath, value };
  try {
    jsonpatch.applyOperation(doc, operation, true, true, true);
  } catch (error) {
    // Not expected after resolution; reported rather than thrown so one bad override never stops a render.
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
    return `${label}: ${reason}`;
  }
  return undefined;
}

/**
 * v4.12 `findObject`: every segment but the last must lead to an existing object or array. A missing key, a
 * null, a scalar, a bad or out-of-range index all make the parent missing.
 */
function findParent(doc: JsonObject, keys: readonly string[], written: readonly string[]): Parent | string {
  let node: Container = doc;
  let canonical = '';
  let writtenSoFar = '';
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i] ?? '';
    const step = `${writtenSoFar}/${written[i] ?? ''}`;
    let next: JsonValue | undefined;
    if (Array.isArray(node)) {
      const index = parseIndex(key);
      if (index === undefined) {
        return `doc is missing path ${step} (${quote(key)} is not an array index; ${where(writtenSoFar)} is an array)`;
      }
      const length: number = node.length;
      const resolved: number = index < 0 ? index + length : index;
      if (resolved < 0 || resolved >= length) return outOfRange(key, length);
      next = node[resolved];
      canonical += `/${resolved}`;
    } else {
      if (!Object.hasOwn(node, key)) return `doc is missing path ${step}; add ${step} first`;
      next = node[key];
      canonical += `/${encodeToken(key)}`;
    }
    writtenSoFar = step;
    if (next === null || next === undefined || typeof next !== 'object') {
      const what = next === null || next === undefined ? 'null' : `a ${typeof next}, not an object or array`;
      return `doc is missing path ${step}/${written[i + 1] ?? ''} (${step} is ${what})`;
    }
    node = next;
  }
  return { container: node, canonical, written: writtenSoFar };
}

/** The RFC op and final path token for the library, or why v4.12 would fail. */
function resolveTarget(
  op: OverrideOp,
  parent: Parent,
  key: string,
  writtenKey: string,
): { op: OverrideOp; token: string } | string {
  const { container } = parent;
  if (!Array.isArray(container)) {
    const exists = Object.hasOwn(container, key);
    if (op === 'remove' && !exists) return `key ${quote(key)} does not exist ${parent.written === '' ? 'at the top level' : `in ${parent.written}`}`;
    // v4.12 `replace` on an object never checks the key: a missing one is added.
    return { op: op === 'replace' && !exists ? 'add' : op, token: encodeToken(key) };
  }

  const length = container.length;
  if (key === '-') {
    if (op === 'add') return { op, token: String(length) };
    return `"-" (the end of ${where(parent.written)}) can only be used with add`;
  }
  const index = parseIndex(key);
  if (index === undefined) return `${quote(writtenKey)} is not an array index (${where(parent.written)} is an array)`;
  if (op === 'add') {
    // v4.12 add counts negatives from the new length: -1 appends, -(length+1) prepends.
    const resolved = index < 0 ? index + length + 1 : index;
    if (resolved < 0 || resolved > length) return `${outOfRange(key, length)}; add accepts ${addRange(length)}`;
    return { op, token: String(resolved) };
  }
  const resolved = index < 0 ? index + length : index;
  if (resolved < 0 || resolved >= length) return outOfRange(key, length);
  return { op, token: String(resolved) };
}

/** Go strconv.Atoi: optional sign, decimal digits, leading zeros allowed. Huge values fail later as out of range. */
function parseIndex(key: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(key) ? Number(key) : undefined;
}

function outOfRange(key: string, length: number): string {
  return `index ${key} is out of range (array has ${length} ${length === 1 ? 'item' : 'items'})`;
}

function addRange(length: number): string {
  return length === 0 ? '0, -1 or "-"' : `0 to ${length}, -${length + 1} to -1, or "-"`;
}

function where(written: string): string {
  return written === '' ? 'the top level' : written;
}

/** RFC 6901: `~1` → `/`, then `~0` → `~` (so `~01` is `~1`), as v4.12's decodePatchKey does. */
function decodeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

function encodeToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function quote(text: string): string {
  return JSON.stringify(text);
}

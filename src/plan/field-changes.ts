/**
 * Field-level differences between two rendered objects, with the values before and after, for people reviewing a
 * change. Paths are exactly those of {@link diffFields} (`spec.template.spec.containers[0].image`; an array whose
 * length changed is reported as the array itself), so a plan and an apply name the same fields.
 *
 * Values are kept compact: a string longer than {@link maxValueChars} is cut, and an object or list whose JSON is
 * longer than that is replaced by a short description; `truncated` says so. The values of a Secret's `data` and
 * `stringData` are never copied: `masked` says they were left out.
 */
import { isSecretKind } from '../model/markdown-text.ts';
import type { JsonValue, KubeObject } from '../model/types.ts';

export interface FieldChange {
  /** As diffFields names it. */
  path: string;
  /** Absent when the field did not exist before (or its value is masked). */
  before?: JsonValue;
  /** Absent when the field no longer exists (or its value is masked). */
  after?: JsonValue;
  /** Which side had the field, when values are masked: `added`, `removed` or `changed`. */
  masked?: 'added' | 'removed' | 'changed';
  /** A value was shortened (see maxValueChars). */
  truncated?: true;
}

export const maxValueChars = 200;

export { isSecretKind };

const secretFields = ['data', 'stringData'];

function isSecretPath(path: string): boolean {
  return secretFields.some((field) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`));
}

/** The fields that differ between `before` and `after` (the same object in two revisions), sorted as diffFields. */
export function fieldChanges(before: KubeObject, after: KubeObject): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, '', out);
  if (!isSecretKind(after.kind) && !isSecretKind(before.kind)) return out;
  return out.map((change) => (isSecretPath(change.path) ? masked(change) : change));
}

function walk(before: unknown, after: unknown, prefix: string, out: FieldChange[]): void {
  if (equal(before, after)) return;
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) {
      out.push(leaf(prefix || '.', before, after));
      return;
    }
    for (let index = 0; index < before.length; index++) walk(before[index], after[index], `${prefix}[${index}]`, out);
    return;
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) walk(before[key], after[key], prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  out.push(leaf(prefix || '.', before, after));
}

/** Deep equality of JSON values, allocating nothing: most of two revisions of an object is the same. */
function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index++) if (!equal(a[index], b[index])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const key in x) {
    if (!Object.hasOwn(x, key)) continue;
    if (!Object.hasOwn(y, key) || !equal(x[key], y[key])) return false;
    count++;
  }
  for (const key in y) if (Object.hasOwn(y, key)) count--;
  return count === 0;
}

function leaf(path: string, before: unknown, after: unknown): FieldChange {
  const change: FieldChange = { path };
  let truncated = false;
  if (before !== undefined) {
    const value = compact(before);
    change.before = value.value;
    truncated ||= value.truncated;
  }
  if (after !== undefined) {
    const value = compact(after);
    change.after = value.value;
    truncated ||= value.truncated;
  }
  if (truncated) change.truncated = true;
  return change;
}

function masked(change: FieldChange): FieldChange {
  const side = !('before' in change) ? 'added' : !('after' in change) ? 'removed' : 'changed';
  return { path: change.path, masked: side };
}

/** A value short enough for a PR comment; see the header. */
export function compact(value: unknown): { value: JsonValue; truncated: boolean } {
  if (typeof value === 'string') {
    return value.length > maxValueChars ? { value: `${value.slice(0, maxValueChars - 1)}…`, truncated: true } : { value, truncated: false };
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return { value, truncated: false };
  if (Array.isArray(value) || isRecord(value)) {
    const text = JSON.stringify(value);
    if (text.length <= maxValueChars) return { value: value as JsonValue, truncated: false };
    const size = Array.isArray(value) ? `a list of ${value.length} items` : `an object with ${Object.keys(value).length} fields`;
    return { value: `(${size}, ${text.length} characters as JSON)`, truncated: true };
  }
  return { value: String(value), truncated: false };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

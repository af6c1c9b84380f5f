/**
 * Tolerant readers for the fields the health rules look at. A live object comes from an API server, so the
 * readers never throw: a field that is missing or has the wrong type reads as the fallback, the same way
 * kstatus reads unstructured objects.
 */
import type { KubeObject } from '../model/types.ts';

/** One entry of `status.conditions`, with absent strings read as ''. */
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The value at `path`, or undefined when some step is missing or not an object. */
export function fieldAt(live: KubeObject, path: readonly string[]): unknown {
  let node: unknown = live;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** An integer field, or `fallback` when it is absent or not an integer. */
export function intAt(live: KubeObject, path: readonly string[], fallback: number): number {
  const value = fieldAt(live, path);
  return typeof value === 'number' && Number.isInteger(value) ? value : fallback;
}

/** An integer field, or undefined when it is absent or not an integer. */
export function optionalIntAt(live: KubeObject, path: readonly string[]): number | undefined {
  const value = fieldAt(live, path);
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** A string field, or `fallback` when it is absent or not a string. */
export function stringAt(live: KubeObject, path: readonly string[], fallback: string): string {
  const value = fieldAt(live, path);
  return typeof value === 'string' ? value : fallback;
}

/** The entries of an array field that are objects; [] when the field is absent or not an array. */
export function objectsAt(live: KubeObject, path: readonly string[]): Record<string, unknown>[] {
  const value = fieldAt(live, path);
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is Record<string, unknown> =>
    item !== null && typeof item === 'object' && !Array.isArray(item));
}

/** `status.conditions`, keeping only entries that name a type. */
export function conditionsOf(live: KubeObject): Condition[] {
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  return objectsAt(live, ['status', 'conditions'])
    .filter((entry) => typeof entry['type'] === 'string')
    .map((entry) => ({
      type: text(entry['type']),
      status: text(entry['status']),
      reason: text(entry['reason']),
      message: text(entry['message']),
    }));
}

/** The first condition of `type`, if any. */
export function findCondition(live: KubeObject, type: string): Condition | undefined {
  return conditionsOf(live).find((condition) => condition.type === type);
}

/** True when a condition of `type` has status `status` ('True', 'False' or 'Unknown'). */
export function hasCondition(live: KubeObject, type: string, status: string): boolean {
  return conditionsOf(live).some((condition) => condition.type === type && condition.status === status);
}

/** `group/Kind`, or just `Kind` for the core group (apiVersion `v1`), the key kstatus uses for kind rules. */
export function groupKindOf(live: KubeObject): string {
  const apiVersion = typeof live.apiVersion === 'string' ? live.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  return group === '' ? live.kind : `${group}/${live.kind}`;
}

/** "reason: message", or whichever of the two is present. */
export function describeCondition(condition: Condition): string {
  return [condition.reason, condition.message].filter((part) => part !== '').join(': ');
}

/** List documents, read as kubectl reads them (pure). */
import { isJsonObject } from './json-object.ts';
import type { JsonValue } from './types.ts';

/**
 * The items of a list document (`kind: List`, or a typed `<Kind>List` with `items`, as `kubectl get -o yaml`
 * writes them); undefined for any other value. One level only, like kubectl. Items of a typed list that leave
 * out apiVersion or kind take the list's.
 */
export function listItems(value: JsonValue): JsonValue[] | undefined {
  if (!isJsonObject(value)) return undefined;
  const { apiVersion, kind, items } = value;
  if (typeof kind !== 'string' || !kind.endsWith('List') || !Array.isArray(items)) return undefined;
  if (kind === 'List') return items;
  const itemKind = kind.slice(0, -'List'.length);
  return items.map((item) => (isJsonObject(item) ? { apiVersion: apiVersion ?? null, kind: itemKind, ...item } : item));
}

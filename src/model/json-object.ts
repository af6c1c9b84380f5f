/** The one test for "a JSON object" (not null, not an array) shared by every folder (pure). */
import type { JsonObject } from './types.ts';

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

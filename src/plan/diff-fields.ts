/**
 * Field-level differences between two JSON values, as paths (`spec.template.spec.containers[0].image`).
 * Arrays are compared element by element; a length change reports the array itself.
 */

export function diffFields(before: unknown, after: unknown, prefix = ''): string[] {
  if (Object.is(before, after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) return [prefix || '.'];
    return before.flatMap((item, index) => diffFields(item, after[index], `${prefix}[${index}]`));
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffFields(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  return [prefix || '.'];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

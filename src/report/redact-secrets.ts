/**
 * Keeps Secret data out of the status report, which is committed to Git where everyone with read access sees it.
 * The report never copies object bodies; this is the second line: every free-text string that goes into the
 * report passes through {@link Redactor.text}, so a message that quotes a Secret's value (an apiserver error
 * echoing an invalid value, a diagnostic about an override) cannot carry it.
 *
 * Rules:
 * 1. The values to hide are those of every rendered Secret (`v1 Secret`, and any kind named Secret): each string
 *    under `data` as written (base64) and decoded, each string under `stringData` as written and base64-encoded
 *    (the apiserver stores and echoes it as `data`), each line of a multi-line value, and map keys nested inside
 *    a value. Values shorter than 3 characters are not hidden: they would garble every message (the cluster
 *    client draws the same line).
 * 2. Longer values are replaced first, so a value that contains another is hidden whole.
 * 3. Messages about a Secret object also lose whatever the apiserver quotes as an offending value
 *    (`Invalid value: "…"`, `expected …, got …`), since a live value we never rendered cannot be matched.
 * 4. Redaction happens before a message is cut to one line and to its length limit, so a value is never cut in
 *    half and left partly visible.
 */
import { isSecretKind } from '../model/markdown-text.ts';
import type { KubeObject } from '../model/types.ts';

export const redactedMark = '[redacted]';
const minimumLength = 3;

export { isSecretKind };

/** The values to hide for one object; empty unless it is a Secret (rule 1). */
export function secretValuesOf(object: KubeObject): string[] {
  if (!isSecretKind(object.kind)) return [];
  const values = new Set<string>();
  const add = (value: string): void => {
    values.add(value);
    for (const line of value.split(/\r?\n/)) values.add(line.trim());
  };
  for (const text of stringsIn(object.data)) {
    add(text);
    const decoded = decodeBase64(text);
    if (decoded !== undefined) add(decoded);
  }
  for (const text of stringsIn(object.stringData)) {
    add(text);
    add(Buffer.from(text, 'utf8').toString('base64'));
  }
  return [...values].filter((value) => value.length >= minimumLength);
}

export interface Redactor {
  /** The text with every known Secret value replaced (rules 1–2). */
  text(message: string): string;
  /** As {@link text}, plus the apiserver's quoted values (rule 3): for messages about a Secret object. */
  secretMessage(message: string): string;
}

export function redactorFor(objects: Iterable<KubeObject>): Redactor {
  const values = new Set<string>();
  for (const object of objects) for (const value of secretValuesOf(object)) values.add(value);
  // Longest first (rule 2); ties in code-unit order so the result never depends on input order.
  const ordered = [...values].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  const text = (message: string): string => {
    let out = message;
    for (const value of ordered) if (out.includes(value)) out = out.split(value).join(redactedMark);
    return out;
  };
  return {
    text,
    secretMessage: (message) =>
      text(message)
        .replace(/Invalid value: "(?:[^"\\]|\\.)*"/g, `Invalid value: "${redactedMark}"`)
        .replace(/(expected [^,\n]*, got )[^\n]*/g, `$1${redactedMark}`),
  };
}

/** Every string in a value; keys of maps nested inside a value count, they are part of it. */
function stringsIn(value: unknown, top = true): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap((item) => stringsIn(item, false));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => (top ? stringsIn(item, false) : [key, ...stringsIn(item, false)]));
  }
  return [];
}

/** Decoded text of a base64 value, or undefined when it is not base64 of UTF-8 text. */
function decodeBase64(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  return decoded === '' || decoded.includes('\uFFFD') ? undefined : decoded;
}

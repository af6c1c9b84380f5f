/**
 * The one rule for keeping Secret values out of text that leaves the process: the status report committed to Git,
 * review comments, CLI output, log lines, and the cluster client's error messages (the apiserver echoes what it
 * was sent). Every such message passes through {@link scrubSecrets} or a {@link Redactor}.
 *
 * Rules:
 * 1. Which objects: a Secret (any kind named Secret, see {@link isSecretKind}), and an object without a kind,
 *    which is how a patch of a Secret arrives (the caller knows it patches a Secret). Other kinds hide nothing.
 * 2. Which values: every string under `data` and `stringData`, however deeply nested (a malformed Secret may carry
 *    lists or maps there, and the apiserver's typed-patch errors print them), keys of maps nested inside a value
 *    included; the entry keys directly under `data`/`stringData` stay readable (they name fields in messages).
 *    For each string:
 *    - `data`: as written (base64) and decoded; the decoded form is always hidden whole, even when it is not text,
 *      and also line by line when it is UTF-8 text;
 *    - `stringData`: as written and base64-encoded (the apiserver stores and echoes it as `data`);
 *    - a multi-line value also line by line (each line trimmed), so a PEM key cannot leak one line at a time;
 *    - each value also as the apiserver quotes it (`\n`, `\"`, `\\` escaped), so an echo in `"…"` is caught whole.
 *    Values shorter than 3 characters are not hidden: they would garble every message and reveal next to nothing.
 * 3. Longer values are replaced first, so a value that contains another is hidden whole; ties in code-unit order,
 *    so the result never depends on the order values were found in.
 * 4. Messages about a Secret also lose whatever the apiserver quotes as an offending value (`Invalid value: "…"`,
 *    and the `got …` part of typed-patch errors, whose field path stays), since a live value that was never sent
 *    cannot be matched.
 * Callers redact before they cut a message to one line or to a length limit, so a value is never cut in half and
 * left partly visible.
 */
import { isSecretKind } from './markdown-text.ts';

export { isSecretKind };

export const redactedMark = '[redacted]';
const minimumLength = 3;

/** The values to hide of a Secret or a patch of one (rules 1–2), longest first (rule 3); empty for other kinds. */
export function secretValuesOf(object: Readonly<Record<string, unknown>>): string[] {
  if (object.kind !== undefined && !(typeof object.kind === 'string' && isSecretKind(object.kind))) return [];
  const values = new Set<string>();
  const add = (value: string, lineByLine = true): void => {
    for (const form of [value, ...(lineByLine ? value.split(/\r?\n/).map((line) => line.trim()) : [])]) {
      values.add(form);
      values.add(quoted(form));
    }
  };
  for (const text of stringsIn(object.data)) {
    add(text);
    const decoded = Buffer.from(text, 'base64').toString('utf8');
    if (decoded !== '') add(decoded, !decoded.includes('\uFFFD'));
  }
  for (const text of stringsIn(object.stringData)) {
    add(text);
    add(Buffer.from(text, 'utf8').toString('base64'));
  }
  return longestFirst([...values].filter((value) => value.length >= minimumLength));
}

/** The message with the given values hidden (rule 3) and, as it is about a Secret, the quoted offending values (rule 4). */
export function scrubSecrets(message: string, values: Iterable<string>): string {
  return hideValues(hideQuotedValues(message), longestFirst([...new Set(values)]));
}

export interface Redactor {
  /** The text with every known Secret value replaced (rules 2–3). */
  text(message: string): string;
  /** As {@link text}, plus the apiserver's quoted values (rule 4): for messages about a Secret object. */
  secretMessage(message: string): string;
}

/** A redactor for the values of every Secret among `objects`. */
export function redactorFor(objects: Iterable<Readonly<Record<string, unknown>>>): Redactor {
  const values = new Set<string>();
  // A Secret rendered for 50 members is 50 objects with the same values: each value is read once (per field, as
  // data and stringData hide different forms). An entry alone gives the values it gives within its map (rule 2).
  const seen = { data: new Set<string>(), stringData: new Set<string>() };
  for (const object of objects) {
    if (object.kind !== undefined && !(typeof object.kind === 'string' && isSecretKind(object.kind))) continue;
    for (const field of ['data', 'stringData'] as const) {
      const map = object[field];
      if (map === undefined || map === null) continue;
      if (typeof map !== 'object' || Array.isArray(map)) {
        for (const value of secretValuesOf({ [field]: map })) values.add(value);
        continue;
      }
      for (const key in map) {
        const entry: unknown = (map as Record<string, unknown>)[key];
        if (typeof entry === 'string') {
          if (seen[field].has(entry)) continue;
          seen[field].add(entry);
        }
        for (const value of secretValuesOf({ [field]: { [key]: entry } })) values.add(value);
      }
    }
  }
  const ordered = longestFirst([...values]);
  return {
    text: (message) => hideValues(message, ordered),
    secretMessage: (message) => hideValues(hideQuotedValues(message), ordered),
  };
}

function hideValues(message: string, ordered: readonly string[]): string {
  let out = message;
  for (const value of ordered) if (out.includes(value)) out = out.split(value).join(redactedMark);
  return out;
}

function hideQuotedValues(message: string): string {
  return message
    .replace(/Invalid value: "(?:[^"\\]|\\.)*"/g, `Invalid value: "${redactedMark}"`)
    .replace(/(expected [^,\n]*, got )[^\n]*/g, `$1${redactedMark}`);
}

function longestFirst(values: string[]): string[] {
  return values.sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

/** The value as it reads between the quotes of a JSON or Go `%q` string. */
function quoted(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** Every string in a value; keys of maps nested inside a value count, they are part of it (rule 2). */
function stringsIn(value: unknown, top = true): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap((item) => stringsIn(item, false));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => (top ? stringsIn(item, false) : [key, ...stringsIn(item, false)]));
  }
  return [];
}

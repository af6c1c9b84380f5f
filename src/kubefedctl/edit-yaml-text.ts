/**
 * In-place edits of YAML files in a repository (pure): set or delete one key of one document, or remove a whole
 * document, changing only the bytes of that key. The `yaml` library's Document API finds the nodes and their
 * source ranges; the text is then spliced, so comments, blank lines, key order, quoting and indentation of
 * everything else stay byte for byte (re-serialising a document would normalise them).
 *
 * Style of what is written:
 * - into a block map: one line per new key, at the indentation of the map's first key (children one step deeper,
 *   the step the document already uses, else 2 spaces); the line ending of the file (`\n` or `\r\n`);
 * - into a flow map: `{a: b, key: value}`;
 * - a deletion removes the key's lines (a comment on the same line goes with it; comment lines above stay), or
 *   the entry inside braces; a parent map left empty is removed too when asked (so enable-then-disable restores
 *   the file), except an author's `annotations: {}` in a block map.
 *
 * Every edit is checked by parsing the result again: the edited document must hold exactly the intended value
 * and every other document must be unchanged, else an InternalError says to edit by hand.
 */
import { isMap, isScalar, parseAllDocuments, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { GitfedError } from '../model/diagnostic.ts';
import { YAML_OPTIONS } from '../model/parse-documents.ts';

export interface YamlFileDocument {
  /** Index among the file's documents (empty ones included), as `parseAllDocuments` counts. */
  index: number;
  value: unknown;
  /** 1-based line of the document's first content. */
  line: number;
}

/** Every document of a file with its value; a file with YAML errors is a UsageError naming the file. */
export function readYamlDocuments(file: string, text: string): YamlFileDocument[] {
  const docs = parseFile(file, text);
  return docs.map((doc, index) => ({
    index,
    value: doc.toJS({ maxAliasCount: 100 }) as unknown,
    line: lineOf(text, doc.contents?.range[0] ?? doc.range[0]),
  }));
}

type Scalar = string | number | boolean;

/**
 * Sets `path` (keys from the document root) to a scalar: replaces the existing value's text, or adds the missing
 * keys. `valueText` is written as is (quote it yourself: `"true"`); `value` is what it must read back as.
 */
export function setYamlValue(file: string, text: string, index: number, path: readonly string[], value: Scalar, valueText: string): string {
  const docs = parseFile(file, text);
  const doc = documentAt(file, docs, index);
  const edited = spliceSet(file, text, doc, path, valueText);
  return verified(file, text, edited, index, (before) => setIn(before, path, value));
}

/**
 * Deletes `path` when present. With `pruneEmptyParent`, a parent map that would be left empty is deleted with it
 * (`annotations:` holding only this key), except a flow-style `{}` inside a block map, which stays as written.
 */
export function deleteYamlValue(file: string, text: string, index: number, path: readonly string[], pruneEmptyParent = false): string {
  const docs = parseFile(file, text);
  const doc = documentAt(file, docs, index);
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1]!;
  const parent = mapAt(doc.contents, parentPath);
  if (!parent) return text;
  const pair = pairOf(parent, key);
  if (!pair) return text;
  let edited: string;
  let expect: (before: unknown) => unknown;
  const grandParent = parentPath.length > 0 ? mapAt(doc.contents, parentPath.slice(0, -1)) : undefined;
  // A flow `{}` written inside a block map is the author's; one inside a flow map is what set added.
  if (pruneEmptyParent && grandParent && parent.items.length === 1 && (!parent.flow || grandParent.flow)) {
    const parentPair = pairOf(grandParent, parentPath[parentPath.length - 1]!);
    if (!parentPair) throw cannotEdit(file, 'the parent key is not in a map');
    edited = removePair(file, text, grandParent, parentPair);
    expect = (before) => deleteIn(before, parentPath);
  } else {
    edited = removePair(file, text, parent, pair);
    expect = (before) => deleteIn(before, path);
  }
  return verified(file, text, edited, index, expect);
}

/** The text without document `index`; null when no other document with content is left (delete the file). */
export function removeYamlDocument(file: string, text: string, index: number): string | null {
  const docs = parseFile(file, text);
  const doc = documentAt(file, docs, index);
  const others = docs.filter((other, i) => i !== index && other.contents !== null && !(isScalar(other.contents) && other.contents.value === null));
  if (others.length === 0) return null;
  // The first document's range leaves out the comments above it: they go with it. The next document's `---`
  // then opens the file, which is fine YAML.
  const start = index === 0 ? 0 : doc.range[0];
  const end = doc.range[2];
  let edited = text.slice(0, start) + text.slice(end);
  if (!edited.endsWith('\n') && text.endsWith('\n')) edited += eolOf(text);
  const remaining = parseFile(file, edited).map((d) => JSON.stringify(d.toJS()));
  const expected = docs.filter((_, i) => i !== index).map((d) => JSON.stringify(d.toJS()));
  if (JSON.stringify(remaining.filter((v) => v !== 'null')) !== JSON.stringify(expected.filter((v) => v !== 'null'))) {
    throw cannotEdit(file, 'removing the document changed the others');
  }
  return edited;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

function parseFile(file: string, text: string): Document.Parsed[] {
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, keepSourceTokens: false });
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    const problem = doc.errors[0];
    if (problem) throw new GitfedError('YamlSyntax', `cannot edit ${file}: ${problem.message.split('\n')[0]}`, { file, line: lineOf(text, problem.pos[0]) });
  }
  return docs;
}

function documentAt(file: string, docs: readonly Document.Parsed[], index: number): Document.Parsed {
  const doc = docs[index];
  if (!doc) throw new GitfedError('InternalError', `${file} has no document ${index}`, { file });
  return doc;
}

function keyOf(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

function pairOf(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  return (map.items as Pair<Node, Node | null>[]).find((pair) => keyOf(pair) === key);
}

function mapAt(root: Node | null, path: readonly string[]): YAMLMap | undefined {
  let node: unknown = root;
  for (const key of path) {
    if (!isMap(node)) return undefined;
    node = pairOf(node, key)?.value;
  }
  return isMap(node) ? node : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Splicing

function spliceSet(file: string, text: string, doc: Document.Parsed, path: readonly string[], valueText: string): string {
  if (!isMap(doc.contents)) throw cannotEdit(file, 'the document is not a map');
  let map: YAMLMap = doc.contents;
  let parentIndent = -1;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth]!;
    const rest = path.slice(depth);
    const pair = pairOf(map, key);
    if (!pair) return insertEntry(file, text, map, parentIndent, rest, valueText);
    const last = depth === path.length - 1;
    const value = pair.value;
    if (last) {
      if (value && isScalar(value) && value.range) return splice(text, value.range[0], value.range[1], valueText);
      if (!value) return splice(text, keyEnd(text, pair), keyEnd(text, pair), ` ${valueText}`);
      throw cannotEdit(file, `${path.join('.')} is not a scalar`);
    }
    if (isMap(value)) {
      if (!map.flow) parentIndent = indentOfMap(text, map);
      map = value;
      continue;
    }
    const nested = path.slice(depth + 1);
    // `key:` with nothing after it, or an explicit null: the missing keys go there.
    if (!value || (isScalar(value) && value.value === null && value.range && value.range[0] === value.range[1])) {
      if (map.flow) return splice(text, keyEnd(text, pair), keyEnd(text, pair), ` ${flowText(nested, valueText)}`);
      const indent = indentOfMap(text, map);
      const step = Math.max(indent - parentIndent, 2);
      const at = lineEndAfter(text, keyEnd(text, pair));
      return insertLines(text, at, blockLines(nested, valueText, indent + step, step));
    }
    if (isScalar(value) && value.value === null && value.range) {
      return splice(text, value.range[0], value.range[1], flowText(nested, valueText));
    }
    throw cannotEdit(file, `${path.slice(0, depth + 1).join('.')} is not a map`);
  }
  return text;
}

/** Adds `rest` (the first key missing from `map`, and below it) as the map's last entry. */
function insertEntry(file: string, text: string, map: YAMLMap, parentIndent: number, rest: readonly string[], valueText: string): string {
  if (map.flow) {
    const range = map.range;
    if (!range) throw cannotEdit(file, 'a flow map without a source range');
    const entry = `${rest[0]}: ${rest.length > 1 ? flowText(rest.slice(1), valueText) : valueText}`;
    const lastPair = map.items[map.items.length - 1] as Pair<Node, Node | null> | undefined;
    if (!lastPair) {
      const open = text.indexOf('{', range[0]);
      return splice(text, open + 1, open + 1, entry);
    }
    return splice(text, pairEnd(text, lastPair), pairEnd(text, lastPair), `, ${entry}`);
  }
  const lastPair = map.items[map.items.length - 1] as Pair<Node, Node | null> | undefined;
  if (!lastPair) throw cannotEdit(file, 'an empty block map');
  const indent = indentOfMap(text, map);
  const step = parentIndent >= 0 ? Math.max(indent - parentIndent, 2) : 2;
  const at = lineEndAfter(text, pairEnd(text, lastPair));
  return insertLines(text, at, blockLines(rest, valueText, indent, step));
}

function removePair(file: string, text: string, map: YAMLMap, pair: Pair<Node, Node | null>): string {
  const items = map.items as Pair<Node, Node | null>[];
  const position = items.indexOf(pair);
  if (map.flow) {
    if (items.length === 1) return splice(text, keyStart(file, pair), pairEnd(text, pair), '');
    if (position > 0) return splice(text, pairEnd(text, items[position - 1]!), pairEnd(text, pair), '');
    return splice(text, keyStart(file, pair), keyStart(file, items[1]!), '');
  }
  const start = lineStart(text, keyStart(file, pair));
  if (text.slice(start, keyStart(file, pair)).trim() !== '') throw cannotEdit(file, 'the key does not start its line');
  return splice(text, start, lineEndAfter(text, pairEnd(text, pair)), '');
}

function blockLines(path: readonly string[], valueText: string, indent: number, step: number): string[] {
  return path.map((key, depth) => `${' '.repeat(indent + depth * step)}${key}:${depth === path.length - 1 ? ` ${valueText}` : ''}`);
}

function flowText(path: readonly string[], valueText: string): string {
  return path.reduceRight((inner, key) => `{${key}: ${inner}}`, valueText);
}

function keyStart(file: string, pair: Pair<Node, Node | null>): number {
  const range = (pair.key as Node | null)?.range;
  if (!range) throw cannotEdit(file, 'a key without a source range');
  return range[0];
}

function keyEnd(text: string, pair: Pair<Node, Node | null>): number {
  const range = (pair.key as Node).range!;
  // Past the `:` that follows the key.
  const colon = text.indexOf(':', range[1]);
  return colon < 0 ? range[1] : colon + 1;
}

/** Where the pair's value text ends (before any trailing comment). */
function pairEnd(text: string, pair: Pair<Node, Node | null>): number {
  const value = pair.value;
  if (value?.range && value.range[1] > value.range[0]) return trimEnd(text, value.range[1]);
  return keyEnd(text, pair);
}

/** Back over trailing whitespace and newlines a block value's range may include. */
function trimEnd(text: string, end: number): number {
  let at = end;
  while (at > 0 && /[ \t\r\n]/.test(text[at - 1]!)) at--;
  return at;
}

function indentOfMap(text: string, map: YAMLMap): number {
  const first = map.items[0] as Pair<Node, Node | null> | undefined;
  const start = first?.key && (first.key as Node).range ? (first.key as Node).range![0] : map.range?.[0];
  if (start === undefined) return 0;
  return start - lineStart(text, start);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the end of the line holding `offset - 1` (after its newline), or the end of the text. */
function lineEndAfter(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}

function insertLines(text: string, at: number, lines: readonly string[]): string {
  const eol = eolOf(text);
  const atEnd = at === text.length && at > 0 && text[at - 1] !== '\n';
  const inserted = atEnd ? `${eol}${lines.join(eol)}` : `${lines.map((line) => `${line}${eol}`).join('')}`;
  return splice(text, at, at, inserted);
}

function splice(text: string, start: number, end: number, inserted: string): string {
  return text.slice(0, start) + inserted + text.slice(end);
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

// ---------------------------------------------------------------------------------------------------------------
// Verification

function verified(file: string, before: string, after: string, index: number, expect: (value: unknown) => unknown): string {
  if (after === before) return before;
  const was = parseFile(file, before).map((doc) => doc.toJS() as unknown);
  let now: unknown[];
  try {
    now = parseFile(file, after).map((doc) => doc.toJS() as unknown);
  } catch {
    throw cannotEdit(file, 'the edited text does not parse');
  }
  const wanted = was.map((value, i) => (i === index ? expect(value) : value));
  if (JSON.stringify(now) !== JSON.stringify(wanted)) throw cannotEdit(file, 'the edited document does not read back as intended');
  return after;
}

function setIn(value: unknown, path: readonly string[], scalar: Scalar): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return scalar;
  const object = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  if (key in object) {
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, k === key ? setIn(v, rest, scalar) : v]));
  }
  return { ...object, [key]: setIn(undefined, rest, scalar) };
}

function deleteIn(value: unknown, path: readonly string[]): unknown {
  const [key, ...rest] = path;
  if (key === undefined || !value || typeof value !== 'object' || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  if (rest.length === 0) return Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, k === key ? deleteIn(v, rest) : v]));
}

function cannotEdit(file: string, why: string): GitfedError {
  return new GitfedError('InternalError', `could not edit ${file || 'the file'} in place (${why}); edit it by hand`, file ? { file } : {});
}

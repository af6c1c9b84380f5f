/**
 * Multi-document YAML → JS values, each with an Origin that can point at any of its fields again (pure).
 *
 * Scalars are read the way kubectl reads them (sigs.k8s.io/yaml, i.e. go-yaml v2, YAML 1.1 rules), so a manifest
 * means the same here as it did when it was applied to KubeFed: `0644` is octal (420), `yes`/`no`/`on`/`off` are
 * booleans, `<<` merge keys work. Where go-yaml would produce something JSON cannot hold, or the YAML library
 * would turn text into something go-yaml does not, the text stays a string: timestamps, `12:30` (sexagesimal),
 * `.nan`/`.inf`, numbers that do not come out finite (`e3`, `0x_`), and the explicit
 * `!!binary`/`!!set`/`!!omap`/`!!pairs` tags.
 *
 * Two libraries, one set of scalar rules:
 * - Values come from js-yaml (`loadAll`), which is fast. Its schema (`JS_YAML_SCHEMA`) resolves plain scalars
 *   with the `yaml` library's own YAML 1.1 tags (after `kubernetesTags`), so both libraries read every scalar the
 *   same way; a property test checks that they agree on whole documents.
 * - Positions come from the `yaml` library (exact, but about ten times slower), and only when something asks:
 *   `Origin.line`, `Origin.column` and `Origin.locate` parse the file again on first use and keep the last two
 *   parsed files. Loading a valid repository never asks.
 * - A file goes to the `yaml` library whole, values included (as before js-yaml), when js-yaml might not answer
 *   exactly as the library would: js-yaml reports an error (the library then gives the message and position, and
 *   still reads the file's other documents), the file has an alias (the library caps alias expansion: "billion
 *   laughs"), or it has one of a few rare shapes the two read differently (`LIBRARY_ONLY`: directives, tabs,
 *   explicit tags, merge keys…).
 *
 * Memory: a parsed document keeps only its value and a small Origin (file, the document's place in the file and a
 * reference to the file's text, shared by all documents of the file). No syntax tree is kept beyond the cache.
 */
import { CORE_SCHEMA, NOT_RESOLVED, defineMappingTag, defineScalarTag, loadAll, mapTag, mergeTag } from 'js-yaml';
import type { LoadOptions, Schema as JsYamlSchema } from 'js-yaml';
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, parseDocument, visit } from 'yaml';
import type { Document, DocumentOptions, Node as YamlNode, ParseOptions, ScalarTag, SchemaOptions, Tags } from 'yaml';
import { error, warning } from './diagnostic.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { FieldPath, JsonValue, Origin, SourcePosition } from './types.ts';

/** Upper bound on alias expansion per document (the YAML library's own guard against "billion laughs"). */
export const MAX_ALIAS_COUNT = 100;

export interface ParsedDocument {
  /** The document's value; never null (empty documents are skipped). */
  value: JsonValue;
  origin: Origin;
}

export interface ParsedFile {
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

/** Explicit YAML 1.1 tags whose values go-yaml would not hand to JSON; their text stays a string. */
const DROPPED_TAG_IDS = new Set([
  'tag:yaml.org,2002:binary',
  'tag:yaml.org,2002:omap',
  'tag:yaml.org,2002:pairs',
  'tag:yaml.org,2002:set',
  'tag:yaml.org,2002:timestamp',
]);

/**
 * The YAML 1.1 schema without timestamps, sexagesimal numbers (`12:30`) and `.nan`/`.inf`; a number tag whose
 * text does not come out as a finite number (`e3`, `.`, `0x_` match the library's patterns) leaves it a string.
 */
function kubernetesTags(tags: Tags): Tags {
  return tags
    .filter((tag) => {
      if (typeof tag === 'string') return true;
      if (DROPPED_TAG_IDS.has(tag.tag)) return false;
      if ('format' in tag && tag.format === 'TIME') return false;
      const test = 'test' in tag ? tag.test : undefined;
      return !(test instanceof RegExp && (test.test('.nan') || test.test('.inf')));
    })
    .map((tag) => (typeof tag !== 'string' && isNumberTag(tag) ? finiteOnly(tag) : tag));
}

function isNumberTag(tag: Tags[number]): tag is ScalarTag {
  return typeof tag !== 'string' && (tag.tag === 'tag:yaml.org,2002:int' || tag.tag === 'tag:yaml.org,2002:float');
}

function finiteOnly(tag: ScalarTag): ScalarTag {
  return {
    ...tag,
    resolve(text, onError, options) {
      const resolved = tag.resolve(text, onError, options);
      const value: unknown = isScalar(resolved) ? resolved.value : resolved;
      return typeof value === 'number' && !Number.isFinite(value) ? text : resolved;
    },
  };
}

/** Options for the `yaml` library: YAML 1.1 scalars as go-yaml reads them, duplicate keys are errors. */
export const YAML_OPTIONS: Readonly<ParseOptions & DocumentOptions & SchemaOptions> = {
  version: '1.1',
  customTags: kubernetesTags,
  prettyErrors: false,
  uniqueKeys: true,
  // Pure code does not log: problems come back as errors and warnings on the document.
  logLevel: 'silent',
};

/**
 * First characters a plain scalar of each type can start with ('' for empty), so that js-yaml tries only the tags
 * that can match (about a third less parse time). A superset of what the library's patterns accept (a unit test
 * checks it); a type missing here is tried on every plain scalar.
 */
const FIRST_CHARACTERS: Readonly<Record<string, readonly string[]>> = {
  'tag:yaml.org,2002:null': ['', '~', 'n', 'N'],
  'tag:yaml.org,2002:bool': [...'yYnNtTfFoO'],
  'tag:yaml.org,2002:int': [...'+-0123456789'],
  'tag:yaml.org,2002:float': [...'+-.0123456789eE'],
};

/**
 * The js-yaml schema: YAML 1.2 core collections and strings, with the `yaml` library's plain-scalar tags (null,
 * bool, int, float after `kubernetesTags`) in place of js-yaml's own, and `<<` merge keys. Tags js-yaml does not
 * know (`!!binary`, `!!timestamp`, custom ones) and null keys make it throw, which sends the file to the `yaml`
 * library.
 */
export const JS_YAML_SCHEMA: JsYamlSchema = (() => {
  const { schema, options } = parseDocument('', YAML_OPTIONS);
  const byTag = new Map<string, ScalarTag[]>();
  for (const tag of schema.tags) {
    if ('collection' in tag && tag.collection) continue;
    const scalar = tag as ScalarTag;
    if (scalar.default !== true || !(scalar.test instanceof RegExp)) continue;
    byTag.set(scalar.tag, [...(byTag.get(scalar.tag) ?? []), scalar]);
  }
  const bridged = [...byTag].map(([name, candidates]) =>
    defineScalarTag(name, {
      implicit: true,
      implicitFirstChars: FIRST_CHARACTERS[name] ?? null,
      // Like the library: the first tag whose pattern matches decides; none matching leaves the text a string.
      resolve(text) {
        const tag = candidates.find((candidate) => candidate.test!.test(text));
        if (!tag) return NOT_RESOLVED;
        const resolved = tag.resolve(text, () => undefined, options);
        return isScalar(resolved) ? resolved.value : resolved;
      },
      // Load only: gitfed never dumps with this schema.
      identify: () => false,
    }),
  );
  // A null key (`~: x`, `: x`) becomes '' in the library, or 'null' when a merge brings it in; js-yaml writes
  // 'null' both times. Rare enough to leave such files to the library: js-yaml throws on them.
  const map = defineMappingTag(mapTag.tagName, {
    ...mapTag,
    addPair: (carrier, key, value) => (key === null ? 'null map key' : mapTag.addPair(carrier, key, value)),
  });
  return CORE_SCHEMA.withTags(...bridged, mergeTag, map);
})();

/** Options for js-yaml. Any alias makes it throw, so alias expansion is always capped by the `yaml` library. */
export const JS_YAML_OPTIONS: Readonly<LoadOptions> = { schema: JS_YAML_SCHEMA, maxAliases: 0 };

/**
 * Text js-yaml may read differently from the `yaml` library (found by the property tests): such a file goes to
 * the library. Each pattern may also match where the two agree (inside a string, say); that costs time, not
 * correctness. All are rare in manifests.
 */
const LIBRARY_ONLY = new RegExp(
  [
    // A `%YAML`/`%TAG` directive (`%YAML 1.2` switches the library to YAML 1.2 scalars), or a `%` starting a scalar.
    String.raw`^%|[ ,[{]%`,
    // A tab anywhere: the library rejects tabs in some places where js-yaml reads on.
    String.raw`\t`,
    // A block scalar header with an indentation indicator (`|2`): the two keep whitespace-only content differently.
    String.raw`(?:^|[ ])[|>](?:[-+]?[1-9]|[1-9][-+])[ ]*(?:#.*)?\r?$`,
    // A line that starts (after spaces) with a block scalar header: the two end such a scalar differently.
    String.raw`^ +[|>]`,
    // A `<<` merge key: js-yaml accepts anchored or tagged merge keys the library rejects.
    String.raw`<<[ ]*:`,
    // An explicit tag (`!!str`, `!foo`): js-yaml accepts some tagged keys the library rejects.
    String.raw`(?:^|[ ,[{])!`,
    // An anchor followed by a key on the same line (`a: &x b: c`).
    String.raw`(?:^|[ ,[{])&[^ \r\n,[\]{}]+ +[^\r\n]*:(?: |\r?$)`,
    // Text after a `...` document end marker.
    String.raw`^\.\.\.(?![ ]*(?:#.*)?\r?$)`,
  ].join('|'),
  'm',
);
/** `---` indented at the very start of the text: js-yaml reads a document start, the library a string. */
const INDENTED_START = /^ +---/;

/** One file's text, shared by the origins of all its documents. */
interface SourceFile {
  readonly file: string;
  readonly text: string;
}

interface ParsedSource {
  docs: readonly Document.Parsed[];
  /** Root node of each non-empty document, in file order: what an Origin's `ordinal` indexes. */
  roots: readonly YamlNode[];
  lines: LineCounter;
}

function parseSource(text: string): ParsedSource {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lines });
  const roots = docs.flatMap((doc) => (isEmpty(doc.contents) ? [] : [doc.contents]));
  return { docs, roots, lines };
}

/** A document without content, or whose content is a null scalar (`~`, `null`): it is skipped. */
function isEmpty(contents: YamlNode | null): contents is null {
  return contents === null || (isScalar(contents) && contents.value === null);
}

function positionOf(source: SourceFile, lines: LineCounter, offset: number): SourcePosition {
  const { line, col } = lines.linePos(offset);
  return { file: source.file, line: Math.max(line, 1), column: Math.max(col, 1) };
}

/** Parses every document of one file. Never throws: problems come back as diagnostics. */
export function parseDocuments(file: string, text: string): ParsedFile {
  const source: SourceFile = { file, text };
  const values = loadWithJsYaml(text);
  if (!values) return parseWithYamlLibrary(source);
  const documents: ParsedDocument[] = [];
  for (const value of values) {
    if (value === null || value === undefined) continue;
    documents.push({ value: value as JsonValue, origin: new DocumentOrigin(source, documents.length) });
  }
  return { documents, diagnostics: [] };
}

/**
 * Every document's value (empty ones as null or undefined) as js-yaml reads it; undefined when the file is for the
 * `yaml` library: js-yaml throws (a syntax error, an alias, a tag it does not know…) or the text is `LIBRARY_ONLY`.
 */
export function loadWithJsYaml(text: string): unknown[] | undefined {
  if (LIBRARY_ONLY.test(text) || INDENTED_START.test(text)) return undefined;
  try {
    return loadAll(text, JS_YAML_OPTIONS);
  } catch {
    return undefined;
  }
}

/** The exact path: values, errors, warnings and alias limits as the `yaml` library reports them. */
function parseWithYamlLibrary(source: SourceFile): ParsedFile {
  const parsed = parseSource(source.text);
  remember(source, parsed);
  const { docs, lines } = parsed;
  const documents: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  let ordinal = 0;
  for (const doc of docs) {
    for (const problem of doc.warnings) {
      diagnostics.push(warning('YamlSyntax', `YAML: ${problem.message}`, positionOf(source, lines, problem.pos[0])));
    }
    const contents = doc.contents;
    const empty = isEmpty(contents);
    const origin = empty ? undefined : new DocumentOrigin(source, ordinal++);
    if (doc.errors.length > 0) {
      for (const problem of doc.errors) {
        const offset = skipIndentation(source.text, problem.pos[0]);
        diagnostics.push(error('YamlSyntax', `invalid YAML: ${problem.message}`, positionOf(source, lines, offset)));
      }
      continue;
    }
    if (empty || !origin) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      if (/alias count|resource exhaustion/i.test(message)) {
        diagnostics.push(error(
          'YamlAliasLimit',
          `aliases expand to more than ${MAX_ALIAS_COUNT} nodes (a "billion laughs" pattern); the document is not loaded`,
          positionOf(source, lines, firstAliasOffset(contents) ?? contents.range[0]),
        ));
      } else {
        diagnostics.push(error('YamlSyntax', `invalid YAML: ${message}`, positionOf(source, lines, contents.range[0])));
      }
      continue;
    }
    if (value === null || value === undefined) continue;
    documents.push({ value: value as JsonValue, origin });
  }
  return { documents, diagnostics };
}

/** The library reports some errors at the start of a line; point at the first character written on it instead. */
function skipIndentation(text: string, offset: number): number {
  let at = offset;
  while (text[at] === ' ') at += 1;
  return at < text.length && text[at] !== '\n' ? at : offset;
}

function firstAliasOffset(root: YamlNode): number | undefined {
  let offset: number | undefined;
  visit(root, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * The Origin of one document, or of a value nested in one at `prefix` (an item of a `kind: List`). `line` and
 * `column` are own, enumerable getters (so spreading, JSON and structuredClone see them as before) that parse the
 * file again the first time one is read; the text, the document's ordinal and the prefix are private (never
 * serialised).
 */
class DocumentOrigin implements Origin {
  readonly file: string;
  declare readonly line: number;
  declare readonly column: number;
  readonly #source: SourceFile;
  /** Index of the document among the file's non-empty documents (the same in both libraries). */
  readonly #ordinal: number;
  readonly #prefix: FieldPath;
  #start: SourcePosition | undefined;

  static readonly #positionProperties: PropertyDescriptorMap = {
    line: { enumerable: true, get(this: DocumentOrigin): number { return this.#startPosition().line; } },
    column: { enumerable: true, get(this: DocumentOrigin): number { return this.#startPosition().column; } },
  };

  constructor(source: SourceFile, ordinal: number, prefix: FieldPath = []) {
    this.file = source.file;
    this.#source = source;
    this.#ordinal = ordinal;
    this.#prefix = prefix;
    Object.defineProperties(this, DocumentOrigin.#positionProperties);
  }

  locate(path: FieldPath): SourcePosition {
    const { roots, lines } = reparse(this.#source);
    const root = roots[this.#ordinal];
    if (!root) return this.#startPosition();
    return positionOf(this.#source, lines, locateOffset(root, [...this.#prefix, ...path]));
  }

  /** The Origin of the value at `prefix` inside this one. */
  within(prefix: FieldPath): DocumentOrigin {
    return new DocumentOrigin(this.#source, this.#ordinal, [...this.#prefix, ...prefix]);
  }

  #startPosition(): SourcePosition {
    if (!this.#start) {
      const { roots, lines } = reparse(this.#source);
      const root = roots[this.#ordinal];
      this.#start = root ? positionOf(this.#source, lines, locateOffset(root, this.#prefix)) : { file: this.file, line: 1, column: 1 };
    }
    return { ...this.#start };
  }
}

/** The Origin of a value nested at `prefix` in a document `parseDocuments` read (an item of a `kind: List`). */
export function nestedOrigin(parent: Origin, prefix: FieldPath): Origin {
  if (!(parent instanceof DocumentOrigin)) throw new TypeError('nestedOrigin takes an Origin that parseDocuments made');
  return parent.within(prefix);
}

/**
 * Offset of the deepest node on `path` that exists, where a person looks for it: a scalar at its value
 * (`totalReplicas: three` → `three`), a map or list under a key at its key (the value starts on a later line),
 * a list item at the item.
 */
function locateOffset(root: YamlNode, path: FieldPath): number {
  let node: unknown = root;
  let offset = root.range?.[0] ?? 0;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
      if (!pair) break;
      const value = pair.value as YamlNode | null;
      const atValue = value && !isMap(value) && !isSeq(value) && !(isScalar(value) && value.value === null);
      offset = ((atValue ? value : (pair.key as YamlNode)).range?.[0]) ?? offset;
      node = value;
    } else if (isSeq(node)) {
      const index = typeof step === 'number' ? step : Number.parseInt(step, 10);
      const item: unknown = Number.isInteger(index) ? node.items[index] : undefined;
      if (!item || typeof item !== 'object' || !('range' in item)) break;
      offset = (item as YamlNode).range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

/**
 * A tiny cache: loaders and renderers ask for positions file by file, so the last two files cover them. Small on
 * purpose: a syntax tree costs about 25 times its text (a 1 MiB file: ~24 MB).
 */
const REPARSE_CACHE_SIZE = 2;
const reparsed: { source: SourceFile; parsed: ParsedSource }[] = [];

function reparse(source: SourceFile): ParsedSource {
  const at = reparsed.findIndex((entry) => entry.source === source);
  if (at >= 0) {
    const [entry] = reparsed.splice(at, 1);
    reparsed.unshift(entry!);
    return entry!.parsed;
  }
  const parsed = parseSource(source.text);
  remember(source, parsed);
  return parsed;
}

/** Puts a file's syntax tree at the front of the cache (the `yaml` path has just built one: no need to parse again). */
function remember(source: SourceFile, parsed: ParsedSource): void {
  reparsed.unshift({ source, parsed });
  if (reparsed.length > REPARSE_CACHE_SIZE) reparsed.length = REPARSE_CACHE_SIZE;
}

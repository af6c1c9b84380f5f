import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import type { ScalarTag } from 'yaml';
import { JS_YAML_SCHEMA, MAX_ALIAS_COUNT, YAML_OPTIONS, loadWithJsYaml, parseDocuments } from '../../../src/model/parse-documents.ts';
import type { JsonValue } from '../../../src/model/types.ts';
import { manyDocuments } from './many-documents.ts';

const twoDocuments = `# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
data:
  key: value
---
apiVersion: v1
kind: List
items:
- name: a
  ports:
  - containerPort: 80
- name: b
`;

describe('parseDocuments', () => {
  it('returns one value per document with the line and column of its first field', () => {
    const { documents, diagnostics } = parseDocuments('dir/two.yaml', twoDocuments);
    expect(diagnostics).toEqual([]);
    expect(documents.map((doc) => doc.value)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first' }, data: { key: 'value' } },
      { apiVersion: 'v1', kind: 'List', items: [{ name: 'a', ports: [{ containerPort: 80 }] }, { name: 'b' }] },
    ]);
    expect(documents.map(({ origin }) => [origin.file, origin.line, origin.column])).toEqual([
      ['dir/two.yaml', 2, 1],
      ['dir/two.yaml', 9, 1],
    ]);
  });

  it('locates the deepest field that exists on a path: a scalar at its value, a map or list at its key', () => {
    const [, list] = parseDocuments('two.yaml', twoDocuments).documents;
    const origin = list!.origin;
    expect(origin.locate([])).toEqual({ file: 'two.yaml', line: 9, column: 1 });
    expect(origin.locate(['items'])).toEqual({ file: 'two.yaml', line: 11, column: 1 });
    expect(origin.locate(['items', 0, 'ports', 0, 'containerPort'])).toEqual({ file: 'two.yaml', line: 14, column: 20 });
    expect(origin.locate(['items', 1])).toEqual({ file: 'two.yaml', line: 15, column: 3 });
    // Missing steps stop at the last field that exists.
    expect(origin.locate(['items', 1, 'image'])).toEqual({ file: 'two.yaml', line: 15, column: 3 });
    expect(origin.locate(['items', 7, 'name'])).toEqual({ file: 'two.yaml', line: 11, column: 1 });
    expect(origin.locate(['spec', 'template'])).toEqual({ file: 'two.yaml', line: 9, column: 1 });
  });

  it('locates fields after block scalars and inside flow collections', () => {
    const text = 'data:\n  script: |\n    echo hi\n  other: x\nlist: [a, {b: 1}]\n';
    const [doc] = parseDocuments('f.yaml', text).documents;
    expect(doc!.value).toEqual({ data: { script: 'echo hi\n', other: 'x' }, list: ['a', { b: 1 }] });
    expect(doc!.origin.locate(['data', 'other'])).toEqual({ file: 'f.yaml', line: 4, column: 10 });
    expect(doc!.origin.locate(['data'])).toEqual({ file: 'f.yaml', line: 1, column: 1 });
    expect(doc!.origin.locate(['list', 1, 'b'])).toEqual({ file: 'f.yaml', line: 5, column: 15 });
    expect(doc!.origin.locate(['list'])).toEqual({ file: 'f.yaml', line: 5, column: 1 });
  });

  it('keeps the file text out of the origin when it is serialised', () => {
    const [doc] = parseDocuments('f.yaml', 'a: 1\n').documents;
    expect(JSON.parse(JSON.stringify(doc!.origin))).toEqual({ file: 'f.yaml', line: 1, column: 1 });
  });

  it('skips empty documents, comment-only documents and null documents', () => {
    const { documents, diagnostics } = parseDocuments('f.yaml', '---\n# only a comment\n---\n~\n---\n---\na: 1\n---\n');
    expect(diagnostics).toEqual([]);
    expect(documents.map((doc) => [doc.value, doc.origin.line])).toEqual([[{ a: 1 }, 7]]);
  });

  it('reads scalars the way kubectl does: octal modes, yes/no booleans and merge keys', () => {
    const text = [
      'defaultMode: 0644',
      'enabled: yes',
      'disabled: off',
      'count: 1_000',
      'hex: 0x1F',
      'ratio: 1.5',
      'time: 12:30',
      'date: 2024-01-31',
      'notANumber: .nan',
      'infinite: -.inf',
      'base: &base {cpu: 100m}',
      'merged:',
      '  <<: *base',
      '  memory: 64Mi',
      '',
    ].join('\n');
    const [doc] = parseDocuments('f.yaml', text).documents;
    expect(doc!.value).toEqual({
      defaultMode: 420,
      enabled: true,
      disabled: false,
      count: 1000,
      hex: 31,
      ratio: 1.5,
      time: '12:30',
      date: '2024-01-31',
      notANumber: '.nan',
      infinite: '-.inf',
      base: { cpu: '100m' },
      merged: { cpu: '100m', memory: '64Mi' },
    });
  });

  it('reports a YAML syntax error at its exact line and column and still reads the other documents', () => {
    const text = 'a: 1\n---\nkind: X\nspec:\n  list:\n  - one\n - two\n---\nb: 2\n';
    const { documents, diagnostics } = parseDocuments('bad.yaml', text);
    expect(documents.map((doc) => doc.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'YamlSyntax', file: 'bad.yaml', line: 7, column: 2 });
  });

  it('reports a duplicate key as a syntax error at the second key', () => {
    const { documents, diagnostics } = parseDocuments('dup.yaml', 'metadata:\n  name: a\n  name: b\n');
    expect(documents).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'YamlSyntax', file: 'dup.yaml', line: 3, column: 3, message: expect.stringContaining('unique') }),
    ]);
  });

  it('stops an alias bomb with YamlAliasLimit at the first alias', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [index, name] of ['b', 'c', 'd', 'e', 'f'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + index);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const { documents, diagnostics } = parseDocuments('bomb.yaml', `${levels.join('\n')}\n`);
    expect(documents).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'YamlAliasLimit', file: 'bomb.yaml', line: 2, column: 8 }),
    ]);
    expect(diagnostics[0]!.message).toContain(String(MAX_ALIAS_COUNT));
  });

  it('accepts a few aliases below the limit', () => {
    const [doc] = parseDocuments('f.yaml', 'a: &x [1, 2]\nb: *x\nc: *x\n').documents;
    expect(doc!.value).toEqual({ a: [1, 2], b: [1, 2], c: [1, 2] });
  });

  it('leaves numbers that do not come out finite as text, with both libraries', () => {
    const text = 'a: e3\nb: .\nc: 0x_\nd: -0b_\ne: 1e3\nf: -.5\n';
    const expected = { a: 'e3', b: '.', c: '0x_', d: '-0b_', e: 1000, f: -0.5 };
    expect(parseDocuments('f.yaml', text).documents.map((doc) => doc.value)).toEqual([expected]);
    expect(libraryValues(text)).toEqual([expected]);
  });

  it('keeps what the YAML library says about tags and directives js-yaml does not read the same way', () => {
    const tagged = parseDocuments('t.yaml', 'data: !!binary aGk=\nwhen: !!timestamp 2024-01-31\n');
    expect(tagged.documents.map((doc) => doc.value)).toEqual([{ data: 'aGk=', when: '2024-01-31' }]);
    expect(tagged.diagnostics.map(({ severity, code, line, column }) => ({ severity, code, line, column }))).toEqual([
      { severity: 'warning', code: 'YamlSyntax', line: 1, column: 7 },
      { severity: 'warning', code: 'YamlSyntax', line: 2, column: 7 },
    ]);
    const [yaml12] = parseDocuments('v.yaml', '%YAML 1.2\n---\nmode: 0644\n').documents;
    expect(yaml12!.value).toEqual({ mode: 644 });
    expect(yaml12!.origin.line).toBe(3);
  });

  it('gives the position of a document after empty and erroneous ones, whichever library read the file', () => {
    const valid = parseDocuments('v.yaml', '---\n~\n---\n# nothing\n---\n  a: 1\n---\nb: [1,\n  2]\n').documents;
    expect(valid.map(({ value, origin }) => [value, origin.line, origin.column])).toEqual([
      [{ a: 1 }, 6, 3],
      [{ b: [1, 2] }, 8, 1],
    ]);
    const broken = parseDocuments('b.yaml', 'a: [\n---\nb: 1\n').documents;
    expect(broken.map(({ value, origin }) => [value, origin.line])).toEqual([[{ b: 1 }, 3]]);
  });

  it('serialises and spreads an origin with its position, as plain data', () => {
    const [, second] = parseDocuments('f.yaml', 'a: 1\n---\nb: 2\n').documents;
    expect({ ...second!.origin }).toEqual({ file: 'f.yaml', line: 3, column: 1 });
    expect(structuredClone(second!.origin)).toEqual({ file: 'f.yaml', line: 3, column: 1 });
    expect(Object.keys(second!.origin)).toEqual(['file', 'line', 'column']);
  });

  it('reads 10,000 documents of a realistic repository', () => {
    let count = 0;
    for (const [file, text] of manyDocuments(10_000)) {
      const { documents, diagnostics } = parseDocuments(file, text);
      expect(diagnostics).toEqual([]);
      count += documents.length;
    }
    expect(count).toBe(10_000);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------------------------
// js-yaml (values) must read every document exactly as the yaml library (positions, errors) does.

/**
 * The value of every non-empty document as the yaml library reads it, or undefined on any problem. Empty
 * documents are left out: the libraries disagree on some (a stream that opens with `...`), and gitfed skips them.
 */
function libraryValues(text: string): JsonValue[] | undefined {
  const out: JsonValue[] = [];
  for (const doc of parseAllDocuments(text, YAML_OPTIONS)) {
    if (doc.errors.length > 0 || doc.warnings.length > 0) return undefined;
    try {
      const value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as JsonValue | undefined;
      if (value !== null && value !== undefined) out.push(value);
    } catch {
      return undefined;
    }
  }
  return out;
}

/** The value of every non-empty document as gitfed reads it with js-yaml, or undefined when it leaves the file to the library. */
function jsYamlValues(text: string): JsonValue[] | undefined {
  return loadWithJsYaml(text)?.filter((value) => value !== null && value !== undefined) as JsonValue[] | undefined;
}

/** Scalars chosen to sit on the edges of YAML's rules (types, indicators, comments, quoting). */
const trickyScalar = fc.constantFrom(
  'plain', 'nginx:1.25', 'http://example.com/a', '/spec/replicas', 'a#b', 'a #comment', 'a: b', 'a:', '-', '- x', '-1',
  '?', '? x', ':x', ': x', '0644', '08', '0x1F', '0b101', '1_000', '1e3', '.5', '+1', '1.', '12:30', '2024-01-31',
  '.nan', '-.inf', 'yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'False', 'null', 'Null', '~', '', '{}', '[]', '{a: 1}',
  '[a]', '*alias', '&anchor x', '!tag x', '!!str 1', '!!int 0644', '!!float 1', '!!binary aGk=', '|', '>', '%x', '@x',
  '`x', '"quoted"', "'single'", "'it''s'", '"a\\"b"', '"\\x41\\u00e9"', '"unclosed', "'unclosed", 'emoji 😀',
  'trailing   ', 'a,b', 'x # y', '"x" # y', '"x"y', '#', '---', '...', '<<', '__proto__', 'ключ', 'a\tb', '-0', '0',
  '00', '0_8', '-0x1f', '1e', 'e3', 'E5', '.', '0b_', '0x_', '1.5e+3', '6.02e23', '1__0', '0o17', '.e1', '+.5', '1:2:3',
);
const scalar = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9.:/_+-]{0,8}$/), weight: 4 },
  { arbitrary: fc.oneof(fc.integer().map(String), fc.double({ noNaN: true }).map(String)), weight: 1 },
  { arbitrary: trickyScalar, weight: 1 },
);
const key = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/), weight: 4 },
  fc.constantFrom(
    'apiVersion', 'kind', 'name', 'app.kubernetes.io/name', 'y', 'on', '1', '0644', '1.5', '~', 'null', 'a b', '"*"',
    "'q'", '<<', 'x:y', '__proto__', '-k', 'k-', '? k', '"a\\u0000"',
  ),
);

/** A YAML node: a scalar's text, a block scalar, or a list or map written in block or flow style. */
type Tree =
  | string
  | { block: string; text: string[] }
  | { list: Tree[]; flow: boolean }
  | { map: [string, Tree][]; flow: boolean };
const blockScalar = fc.record({
  block: fc.constantFrom('|', '>', '|-', '>+', '|2', '>-'),
  text: fc.array(fc.oneof(fc.constantFrom('', ' ', '  indented', '\tTab', '# not a comment', 'key: value', '- item', '"q"'), fc.string({ maxLength: 6 })), { maxLength: 4 }),
});
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    blockScalar,
    fc.record({ list: fc.array(tie('node'), { maxLength: 3 }), flow: fc.boolean() }),
    fc.record({ map: fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }), flow: fc.boolean() }),
  ),
})).node;

/** Manifests are maps at the top. */
const rootMap: fc.Arbitrary<Tree> = fc.record({
  map: fc.array(fc.tuple(key, tree), { minLength: 1, maxLength: 5 }),
  flow: fc.constant(false),
});

/** A node on one line, in flow style. */
function flow(node: Tree): string {
  if (typeof node === 'string') return node;
  if ('block' in node) return JSON.stringify(node.text.join('\n'));
  if ('list' in node) return `[${node.list.map(flow).join(', ')}]`;
  return `{${node.map.map(([name, value]) => `${name}: ${flow(value)}`).join(', ')}}`;
}

function inline(node: Tree): string | undefined {
  if (typeof node !== 'string' && 'block' in node) return undefined;
  if (typeof node === 'string' || node.flow) return flow(node);
  return ('list' in node ? node.list : node.map).length === 0 ? flow(node) : undefined;
}

/** Writes a tree as block YAML, leaving scalars unquoted on purpose (so some texts are invalid or surprising). */
function emit(node: Tree, indent: number, step: number, lines: string[], prefix: string): void {
  const pad = ' '.repeat(indent);
  const short = inline(node);
  if (short !== undefined || typeof node === 'string') {
    lines.push(`${prefix}${short}`);
  } else if ('block' in node) {
    // The header goes on the line before (after a key or dash); the text is indented under it.
    lines[lines.length - 1] += ` ${node.block}`;
    for (const line of node.text) lines.push(line === '' ? '' : `${pad}${line}`);
  } else if ('map' in node) {
    node.map.forEach(([name, value], index) => {
      const head = index === 0 && prefix ? prefix : pad;
      const text = inline(value);
      if (text !== undefined) lines.push(`${head}${name}: ${text}`);
      else {
        lines.push(`${head}${name}:`);
        emit(value, indent + step, step, lines, ' '.repeat(indent + step));
      }
    });
  } else {
    node.list.forEach((item, index) => {
      const head = index === 0 && prefix ? prefix : pad;
      const text = inline(item);
      if (text !== undefined) lines.push(`${head}- ${text}`);
      else if (typeof item !== 'string' && 'map' in item) emit(item, indent + 2, step, lines, `${head}- `);
      else {
        lines.push(`${head}-`);
        emit(item, indent + step, step, lines, ' '.repeat(indent + step));
      }
    });
  }
}

describe('js-yaml with the gitfed schema', () => {
  it('reads every document the way the yaml library does, and rejects whatever the library rejects', () => {
    let agreed = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(rootMap, fc.constantFrom(2, 4), fc.boolean()), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(40), fc.constantFrom('# note', '', '  # indented', '  ', '---', '--- # c', '...', ' x', '\t')), { maxLength: 1 }),
        (documents, noise) => {
          const lines: string[] = [];
          for (const [node, step, marker] of documents) {
            if (marker) lines.push('---');
            emit(node, 0, step, lines, '');
          }
          for (const [at, line] of noise) lines.splice(at % (lines.length + 1), 0, line);
          const text = `${lines.join('\n')}\n`;
          const values = jsYamlValues(text);
          // js-yaml may refuse more than the library does (the file then goes to the library), never less.
          if (values === undefined) return;
          expect(libraryValues(text), text).toEqual(values);
          agreed += 1;
        },
      ),
      { numRuns: 2000 },
    );
    expect(agreed).toBeGreaterThan(300);
  }, 60_000);

  it('agrees with the yaml library on text soup made of YAML indicators, whitespace and scalars', () => {
    const unit = fc.constantFrom(
      'a', 'b', 'y', '0', '1', '8', '.', '_', 'x', 'e', ':', ': ', ' ', '  ', '\n', '\n  ', '\n- ', '- ', '-', '#', ' #',
      '&a ', '*a', '[', ']', '{', '}', ', ', '"', "'", '\\', '|', '>', '!', '!!str ', '?', '? ', '\t', '%', '@', '---',
      '\n---\n', '...', '<<: ', '~', '\r\n',
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (units) => {
        const text = units.join('');
        const values = jsYamlValues(text);
        if (values !== undefined) expect(libraryValues(text), JSON.stringify(text)).toEqual(values);
      }),
      { numRuns: 2000 },
    );
  }, 60_000);

  it('tries a type on every text the yaml library gives that type (first-character dispatch)', () => {
    const plainTags = parseDocument('', YAML_OPTIONS).schema.tags.filter(
      (tag): tag is ScalarTag => !('collection' in tag && tag.collection) && tag.default === true && tag.test instanceof RegExp,
    );
    expect(plainTags.map((tag) => tag.tag)).toEqual(expect.arrayContaining(['tag:yaml.org,2002:null', 'tag:yaml.org,2002:float']));
    for (const tag of plainTags) {
      const first = JS_YAML_SCHEMA.tags.find((candidate) => candidate.tagName === tag.tag);
      expect(first?.implicit, tag.tag).toBe(true);
      const allowed = first && 'implicitFirstChars' in first ? first.implicitFirstChars : null;
      if (allowed === null) continue;
      fc.assert(
        fc.property(fc.stringMatching(tag.test!), (text) => {
          expect(allowed, `${tag.tag} ${JSON.stringify(text)}`).toContain(text.charAt(0));
        }),
        { numRuns: 500 },
      );
    }
  });
});

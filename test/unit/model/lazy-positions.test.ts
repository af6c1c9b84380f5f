/**
 * Positions are computed only when something asks for one: loading a valid repository parses every file once
 * (js-yaml, for values) and never runs the `yaml` library, which is what finds positions.
 */
import { describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadModel } from '../../../src/model/load-model.ts';
import { manyDocuments } from './many-documents.ts';

vi.mock('yaml', async (importOriginal) => {
  const actual = await importOriginal<typeof import('yaml')>();
  return { ...actual, parseAllDocuments: vi.fn(actual.parseAllDocuments) };
});

describe('positions', () => {
  it('are not computed while a valid repository loads, and are computed once per file when asked for', () => {
    const parsed = vi.mocked(parseAllDocuments);
    parsed.mockClear();
    const model = loadModel({ revision: null, files: manyDocuments(1_000), diagnostics: [] });
    expect(model.diagnostics).toEqual([]);
    expect(model.objects).toHaveLength(1_000);
    expect(parsed).not.toHaveBeenCalled();

    const first = model.objects.find((object) => object.name === 'app-0');
    expect(first!.origin).toMatchObject({ file: 'apps/app-0.yaml', line: 1, column: 1 });
    expect(first!.origin.locate(['spec', 'template'])).toEqual({ file: 'apps/app-0.yaml', line: 7, column: 3 });
    expect(parsed).toHaveBeenCalledTimes(1);
  });

  it('come from the yaml library run that reported a file\'s problem, without parsing it again', () => {
    const parsed = vi.mocked(parseAllDocuments);
    parsed.mockClear();
    const model = loadModel({
      revision: null,
      files: new Map([['bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n---\napiVersion: v1\nkind: Pod\n']]),
      diagnostics: [],
    });
    expect(model.diagnostics.map(({ code, line }) => [code, line])).toEqual([
      ['YamlSyntax', 5],
      ['DocumentIgnored', 7],
    ]);
    expect(parsed).toHaveBeenCalledTimes(1);
  });
});
